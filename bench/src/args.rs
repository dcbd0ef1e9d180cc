//! Command-line flags and the sizes each run uses.

use std::time::Duration;

/// What one invocation of the benchmark does.
#[derive(Debug, Clone)]
pub struct Args {
    /// Small sizes and one round: a smoke test for CI.
    pub quick: bool,
    /// Run only this scenario (also how the parent starts the memory children).
    pub scenario: Option<String>,
    /// Rounds over every client; the table shows medians.
    pub rounds: usize,
    /// Child mode: which client to measure.
    pub client: Option<String>,
    /// Child mode: the server to use.
    pub url: Option<String>,
    /// Overrides the message count of `pub`, `pub_sub` and `raw_limit` (for profiling).
    pub msgs: Option<usize>,
}

impl Args {
    /// Parses `std::env::args`.
    pub fn parse() -> Result<Args, String> {
        let mut args = Args {
            quick: false,
            scenario: None,
            rounds: 5,
            client: None,
            url: None,
            msgs: None,
        };
        let mut it = std::env::args().skip(1);
        while let Some(flag) = it.next() {
            let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
            match flag.as_str() {
                "--quick" => args.quick = true,
                "--scenario" => args.scenario = Some(value("--scenario")?),
                "--rounds" => {
                    let v = value("--rounds")?;
                    args.rounds = v
                        .parse()
                        .map_err(|_| format!("--rounds {v:?}: expected a positive number"))?;
                }
                "--client" => args.client = Some(value("--client")?),
                "--url" => args.url = Some(value("--url")?),
                "--msgs" => {
                    let v = value("--msgs")?;
                    args.msgs = Some(
                        v.parse()
                            .map_err(|_| format!("--msgs {v:?}: expected a number"))?,
                    );
                }
                "-h" | "--help" => return Err(USAGE.to_owned()),
                other => return Err(format!("unknown flag {other:?}\n{USAGE}")),
            }
        }
        if args.quick {
            args.rounds = 1;
        }
        args.rounds = args.rounds.max(1);
        Ok(args)
    }

    /// The sizes of this run.
    pub fn sizes(&self) -> Sizes {
        let mut sizes = self.default_sizes();
        if let Some(n) = self.msgs {
            sizes.pub_msgs = n;
            sizes.concurrent_requests = n;
            sizes.js_msgs = n;
        }
        sizes
    }

    fn default_sizes(&self) -> Sizes {
        if self.quick {
            Sizes {
                pub_msgs: 5_000,
                seq_requests: 200,
                concurrent_requests: 1_000,
                js_msgs: 500,
                stream_bytes: 8 << 20,
                alloc_msgs: 2_000,
                subscriptions: 10_000,
                in_flight: 1_000,
                timeout: Duration::from_secs(60),
            }
        } else {
            Sizes {
                pub_msgs: 500_000,
                seq_requests: 5_000,
                concurrent_requests: 50_000,
                js_msgs: 20_000,
                stream_bytes: 1 << 30,
                alloc_msgs: 100_000,
                subscriptions: 100_000,
                in_flight: 10_000,
                timeout: Duration::from_secs(120),
            }
        }
    }
}

/// Message counts and limits of one run.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// Messages per `pub`, `pub_sub` and `raw_limit` measurement.
    pub pub_msgs: usize,
    /// Sequential requests for the latency percentiles.
    pub seq_requests: usize,
    /// Requests with 64 in flight.
    pub concurrent_requests: usize,
    /// Messages per JetStream measurement.
    pub js_msgs: usize,
    /// Bytes sent through one subscriber for the peak-RSS measurement.
    pub stream_bytes: usize,
    /// Messages counted for allocations per message.
    pub alloc_msgs: usize,
    /// Subscriptions held at once for peak RSS (`mem_subs`).
    pub subscriptions: usize,
    /// Requests started at once for peak RSS (`mem_requests`).
    pub in_flight: usize,
    /// Longest any single measurement may take.
    pub timeout: Duration,
}

const USAGE: &str = "usage: bench [--quick] [--rounds N] [--scenario NAME]
scenarios: pub pub_sub pub_sub_proc req_reply req_tasks req_proc js_pub js_pub_file js_batch
js_fetch js_fetch_file raw_limit websocket memory
--client C runs only that client (natbus-tokio, natbus-smol, async-nats); --msgs N sets the
message count of pub, pub_sub, raw_limit, the concurrent requests and JetStream (e.g. for
callgrind)
child scenarios (started by the bench itself): mem_subs mem_requests mem_stream alloc responder
subscriber
--client C --url U [--msgs N]";
