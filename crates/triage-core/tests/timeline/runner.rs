//! Runs a scenario against the core [`Engine`] on a fake clock, the way the shell's single
//! writer loop drives it: inputs at their times, a tick at every `next_wake`, each
//! notification delivered (or failed) and reported back with `delivered`. What the shell
//! would persist is mirrored, so that a `restart` step can rebuild the engine from it.

use std::collections::HashMap;

use jiff::Timestamp;
use triage_core::config::Config;
use triage_core::dispatch::GroupTimer;
use triage_core::engine::{Engine, NotifyLogKey, Outgoing, Setup};
use triage_core::labels::Fingerprint;
use triage_core::payload::WebhookMessage;
use triage_core::pipeline::NotifyLogEntry;
use triage_core::silence::{ApiMatcher, PostableSilence, Silences};
use triage_core::{Alert, Matcher, PostableAlert};

use crate::scenario::{Scenario, Step, at, config_text, secs};

/// Ticks allowed per scenario before the runner gives up (a wake that never advances).
const MAX_EVENTS: usize = 200_000;

/// A notification as the receiver got it.
#[derive(Debug)]
pub struct Delivered {
    /// Seconds from t0 at which it was received.
    pub at: f64,
    /// The receiver name.
    pub receiver: String,
    /// The integration index.
    pub integration: usize,
    /// The webhook body.
    pub message: WebhookMessage,
}

/// The engine's setup for `config`, as the shell makes it.
pub fn build_setup(config: &Config) -> Setup {
    Setup::from_config(config)
}

fn load(v: &yaml_serde::Value) -> Result<Config, String> {
    Config::from_yaml(&config_text(v)).map_err(|e| format!("invalid config:\n{e}"))
}

/// What the shell persists: held alerts, the notification log and the group timers.
#[derive(Default)]
struct Mirror {
    alerts: HashMap<Fingerprint, Alert>,
    nflog: HashMap<NotifyLogKey, (NotifyLogEntry, Timestamp)>,
    timers: HashMap<String, GroupTimer>,
}

impl Mirror {
    fn timers(&mut self, engine: &mut Engine) {
        for (k, t) in engine.take_dirty_timers() {
            match t {
                Some(t) => self.timers.insert(k, t),
                None => self.timers.remove(&k),
            };
        }
    }
}

struct Run<'a> {
    sc: &'a Scenario,
    t0: Timestamp,
    config: Config,
    engine: Engine,
    mirror: Mirror,
    silence_ids: HashMap<String, String>,
    next_silence: u32,
    in_flight: Vec<(Timestamp, Outgoing, bool)>,
    received: Vec<Delivered>,
}

/// Runs the scenario; returns every notification received, in order.
pub fn run(sc: &Scenario) -> Result<Vec<Delivered>, String> {
    let t0: Timestamp =
        sc.t0.as_deref().unwrap_or(crate::scenario::DEFAULT_T0).parse().map_err(|e| format!("t0: {e}"))?;
    let config = load(&sc.config)?;
    let engine = Engine::new(build_setup(&config), Vec::new(), Silences::new(), Vec::new(), HashMap::new(), t0);
    let mut run = Run {
        sc,
        t0,
        config,
        engine,
        mirror: Mirror::default(),
        silence_ids: HashMap::new(),
        next_silence: 0,
        in_flight: Vec::new(),
        received: Vec::new(),
    };
    let mut steps: Vec<&Step> = sc.steps.iter().collect();
    steps.sort_by(|a, b| a.at.total_cmp(&b.at));
    let end = at(t0, sc.run_until);
    let mut now = t0;
    let mut next_step = 0;
    for _ in 0..MAX_EVENTS {
        // At equal times: deliveries finish, then inputs arrive, then groups flush.
        let candidates = [
            run.in_flight.iter().map(|(t, _, _)| *t).min(),
            steps.get(next_step).map(|s| at(t0, s.at)),
            run.engine.next_wake().map(|w| w.max(now)),
        ];
        let Some((t, kind)) = candidates.iter().enumerate().filter_map(|(k, t)| t.map(|t| (t, k))).min() else {
            return Ok(run.received);
        };
        if t > end {
            return Ok(run.received);
        }
        now = t;
        match kind {
            0 => run.finish_deliveries(now),
            1 => {
                run.apply(steps[next_step], now).map_err(|e| format!("step at {}s: {e}", steps[next_step].at))?;
                next_step += 1;
            }
            _ => run.tick(now),
        }
    }
    Err(format!("more than {MAX_EVENTS} events: a wake-up time that never advances?"))
}

impl Run<'_> {
    fn apply(&mut self, step: &Step, now: Timestamp) -> Result<(), String> {
        let actions = [
            step.alerts.is_some(),
            step.silence.is_some(),
            step.expire_silence.is_some(),
            step.reload.is_some(),
            step.restart,
        ];
        if actions.iter().filter(|a| **a).count() != 1 {
            return Err("a step needs exactly one of alerts, silence, expire_silence, reload, restart".into());
        }
        if let Some(alerts) = &step.alerts {
            let timeout = self.engine.setup().resolve_timeout;
            let mut batch = Vec::with_capacity(alerts.len());
            for a in alerts {
                let posted = PostableAlert {
                    labels: a.labels.to_set(),
                    annotations: a.annotations.as_ref().map(|l| l.to_set()),
                    starts_at: a.starts_at.map(|s| at(self.t0, s)),
                    ends_at: a.ends_at.map(|s| at(self.t0, s)),
                    generator_url: None,
                };
                batch.push(posted.into_alert(now, timeout)?);
            }
            let ingested = self.engine.ingest(batch, now);
            for a in ingested.stored {
                self.mirror.alerts.insert(a.fingerprint(), Alert::clone(&a));
            }
            self.mirror.timers(&mut self.engine);
        } else if let Some(s) = &step.silence {
            let mut matchers = Vec::new();
            for m in &s.matchers {
                let m = Matcher::parse(m).map_err(|e| format!("matcher {m:?}: {e}"))?;
                matchers.push(ApiMatcher::from(&m));
            }
            let posted = PostableSilence {
                id: None,
                matchers,
                starts_at: at(self.t0, s.starts_at.unwrap_or(step.at)),
                ends_at: at(self.t0, s.ends_at),
                created_by: "timeline".into(),
                comment: "timeline scenario".into(),
            };
            self.next_silence += 1;
            let n = self.next_silence;
            let id = self.engine.silences.set(posted, now, || format!("silence-{n}")).map_err(|e| e.to_string())?;
            if let Some(name) = &s.id_as {
                self.silence_ids.insert(name.clone(), id);
            }
        } else if let Some(name) = &step.expire_silence {
            let id = self.silence_ids.get(name).ok_or_else(|| format!("no silence named {name:?}"))?;
            self.engine.silences.expire(id, now).map_err(|e| e.to_string())?;
        } else if let Some(cfg) = &step.reload {
            self.config = load(cfg)?;
            self.engine.reload(build_setup(&self.config), now);
            self.mirror.timers(&mut self.engine);
        } else {
            // A restart loses what is in flight, as the shell's process would.
            self.in_flight.clear();
            let m = &self.mirror;
            self.engine = Engine::new(
                build_setup(&self.config),
                m.alerts.values().cloned().collect(),
                self.engine.silences.clone(),
                m.nflog.iter().map(|(k, (e, exp))| (k.clone(), e.clone(), *exp)).collect(),
                m.timers.clone(),
                now,
            );
            self.mirror.timers(&mut self.engine);
        }
        Ok(())
    }

    fn tick(&mut self, now: Timestamp) {
        let tick = self.engine.tick(now);
        for (key, entry, expires) in tick.logged {
            self.mirror.nflog.insert(key, (entry, expires));
        }
        self.mirror.timers(&mut self.engine);
        let delay = at(now, self.sc.delivery_delay);
        for out in tick.send {
            let ok = !self.fails(&out, now);
            if self.sc.delivery_delay > 0.0 {
                self.in_flight.push((delay, out, ok));
            } else {
                self.deliver(out, ok, now);
            }
        }
    }

    fn finish_deliveries(&mut self, now: Timestamp) {
        let (done, rest): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.in_flight).into_iter().partition(|(t, _, _)| *t <= now);
        self.in_flight = rest;
        for (_, out, ok) in done {
            self.deliver(out, ok, now);
        }
    }

    fn deliver(&mut self, out: Outgoing, ok: bool, now: Timestamp) {
        if let Some(entry) = self.engine.delivered(&out, ok) {
            self.mirror.nflog.insert(out.key.clone(), entry);
        }
        self.mirror.timers(&mut self.engine);
        if !ok {
            return;
        }
        let max_alerts = self
            .config
            .receiver(&out.key.receiver)
            .and_then(|r| r.webhook_configs.get(out.key.integration))
            .map_or(0, |w| w.max_alerts);
        let message = WebhookMessage::new(
            &out.key.receiver,
            &out.key.group_key,
            &out.group_labels,
            &out.alerts,
            max_alerts,
            "http://triage.test",
            out.at,
        );
        self.received.push(Delivered {
            at: secs(self.t0, now),
            receiver: out.key.receiver.clone(),
            integration: out.key.integration,
            message,
        });
    }

    fn fails(&self, out: &Outgoing, now: Timestamp) -> bool {
        self.sc.fail_deliveries.iter().any(|f| {
            f.receiver == out.key.receiver
                && f.integration.is_none_or(|i| i == out.key.integration)
                && at(self.t0, f.from) <= now
                && now < at(self.t0, f.until)
        })
    }
}
