//! The simulated network: server addresses, dials, and the registry of live links that
//! the fault injector picks from.

use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::pipe::{DirectEnd, End, Link, LinkShape};
use crate::rng::Rng;
use crate::server::Server;
use crate::world::World;

/// How the network of one run behaves, drawn from its seed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Profile {
    latency_max: Duration,
    capacity: (u64, u64),
    /// Percent of links whose reads and writes are split at random points.
    split: u64,
    /// Percent of dials that hand natbus a direct writer (the real adapters always do).
    direct: u64,
    dial_delay_max: Duration,
}

impl Profile {
    fn draw(rng: &mut Rng) -> Self {
        Profile {
            latency_max: Duration::from_micros(rng.range(0, 20_000)),
            capacity: if rng.percent(30) {
                (64, 4096)
            } else {
                (4096, 256 * 1024)
            },
            split: rng.range(0, 100),
            direct: rng.range(50, 100),
            dial_delay_max: Duration::from_micros(rng.range(0, 50_000)),
        }
    }

    pub(crate) fn shape(&self, rng: &mut Rng) -> LinkShape {
        let hi = rng.duration(Duration::ZERO, self.latency_max);
        LinkShape {
            latency: (hi / 4, hi),
            capacity: rng.range(self.capacity.0, self.capacity.1) as usize,
            split: rng.percent(self.split),
        }
    }
}

pub(crate) struct Network {
    profile: Profile,
    servers: BTreeMap<String, Server>,
    links: Vec<Weak<Link>>,
    next_link: u64,
}

/// What a dial finds.
pub(crate) enum Dial {
    Open(natbus::Dialed),
    Refused(io::Error),
    /// Packets vanish: the dial never completes (natbus's connect timeout must end it).
    Hang,
}

impl Network {
    pub(crate) fn new(rng: &mut Rng) -> Self {
        Network {
            profile: Profile::draw(rng),
            servers: BTreeMap::new(),
            links: Vec::new(),
            next_link: 0,
        }
    }

    pub(crate) fn add_server(&mut self, address: String, server: Server) {
        self.servers.insert(address, server);
    }

    pub(crate) fn take_servers(&mut self) -> Vec<Server> {
        self.links.clear();
        std::mem::take(&mut self.servers).into_values().collect()
    }

    pub(crate) fn dial_delay(&self, rng: &mut Rng) -> Duration {
        rng.duration(Duration::ZERO, self.profile.dial_delay_max)
    }

    /// Links still open, oldest first.
    pub(crate) fn live_links(&mut self) -> Vec<Arc<Link>> {
        self.links
            .retain(|l| l.upgrade().is_some_and(|l| l.is_open()));
        self.links.iter().filter_map(Weak::upgrade).collect()
    }

    pub(crate) fn profile(&self) -> Profile {
        self.profile
    }
}

/// Dials `host:port`: a new link whose server end goes to the server listening there.
pub(crate) fn dial(world: &Arc<World>, host: &str, port: u16) -> Dial {
    let address = format!("{host}:{port}");
    let (server, link) = {
        let mut net = world.net();
        let Some(server) = net.servers.get(&address).cloned() else {
            return Dial::Refused(io::ErrorKind::ConnectionRefused.into());
        };
        let (shape, direct) = {
            let mut rng = world.rng();
            (net.profile.shape(&mut rng), rng.percent(net.profile.direct))
        };
        net.next_link += 1;
        let link = Link::new(net.next_link, world.clone(), shape);
        net.links.push(Arc::downgrade(&link));
        (server, (link, direct))
    };
    let (link, direct) = link;
    let (client, server_end) = End::pair(&link);
    match server.accept(server_end) {
        Err(hang) if hang.kind() == io::ErrorKind::TimedOut => {
            world.note(format_args!("dial {address}: hangs"));
            Dial::Hang
        }
        Err(e) => {
            world.note(format_args!("dial {address}: {e}"));
            Dial::Refused(e)
        }
        Ok(()) => {
            world.note(format_args!(
                "dial {address}: link {} (direct writer: {direct})",
                link.id
            ));
            let mut dialed = natbus::Dialed::new(Box::new(client));
            if direct {
                dialed = dialed.with_direct_writer(Box::new(DirectEnd { link }));
            }
            Dial::Open(dialed)
        }
    }
}
