//! The platform's counters: registrations taken, verification codes sent and refused, mail
//! and text messages sent and failed, sweep runs and the findings they made.
//!
//! One set per process. The local server shows them at `/metrics` in the Prometheus text
//! format ([`Metrics::exposition`]); a Lambda writes what changed during an invocation as one
//! CloudWatch embedded-metric-format line ([`Metrics::emf`]), which CloudWatch turns into
//! metrics (namespace `Openday`) that `template.yaml`'s alarms watch.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use openday_mail::{Mailer, Message};
use openday_rules::phone::Phone;
use openday_sms::{SmsError, SmsSender, Text};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

/// The CloudWatch namespace of the platform's own metrics.
pub const NAMESPACE: &str = "Openday";

type Labels = Vec<(String, String)>;

/// A counter by label, and its total over every label (what the alarms watch).
#[derive(Default)]
struct ByLabel {
    family: Family<Labels, Counter>,
    total: Counter,
}

impl ByLabel {
    fn inc_by(&self, label: &str, value: &str, by: u64) {
        self.family
            .get_or_create(&vec![(label.to_owned(), value.to_owned())])
            .inc_by(by);
        self.total.inc_by(by);
    }
}

/// Every counter, registered for the exposition.
pub struct Metrics {
    registry: Registry,
    registrations: Counter,
    codes_sent: Counter,
    codes_refused: ByLabel,
    mails_sent: Counter,
    mails_failed: Counter,
    texts_sent: Counter,
    texts_failed: ByLabel,
    sweep_runs: ByLabel,
    findings: ByLabel,
    /// What each metric stood at when the last EMF line was written.
    reported: Mutex<HashMap<&'static str, u64>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("openday");
        let registrations = Counter::default();
        let codes_sent = Counter::default();
        let codes_refused = ByLabel::default();
        let mails_sent = Counter::default();
        let mails_failed = Counter::default();
        let texts_sent = Counter::default();
        let texts_failed = ByLabel::default();
        let sweep_runs = ByLabel::default();
        let findings = ByLabel::default();
        registry.register(
            "registrations",
            "Registrations taken (online and offline)",
            registrations.clone(),
        );
        registry.register("codes_sent", "Verification codes sent", codes_sent.clone());
        registry.register(
            "codes_refused",
            "Verification codes refused, by reason",
            codes_refused.family.clone(),
        );
        registry.register(
            "mails_sent",
            "Mail handed to the transport",
            mails_sent.clone(),
        );
        registry.register(
            "mails_failed",
            "Mail the transport did not take",
            mails_failed.clone(),
        );
        registry.register(
            "texts_sent",
            "Text messages the gateway took",
            texts_sent.clone(),
        );
        registry.register(
            "texts_failed",
            "Text messages not sent, by outcome",
            texts_failed.family.clone(),
        );
        registry.register(
            "sweep_runs",
            "Compliance sweeps run, by kind",
            sweep_runs.family.clone(),
        );
        registry.register(
            "findings",
            "New compliance findings, by sweep",
            findings.family.clone(),
        );
        Self {
            registry,
            registrations,
            codes_sent,
            codes_refused,
            mails_sent,
            mails_failed,
            texts_sent,
            texts_failed,
            sweep_runs,
            findings,
            reported: Mutex::new(HashMap::new()),
        }
    }

    pub fn registration_taken(&self) {
        self.registrations.inc();
    }

    pub fn code_sent(&self) {
        self.codes_sent.inc();
    }

    /// A code refused: `reason` is the error code people were given (`RATE_LIMITED`,
    /// `SMS_BUDGET_EXHAUSTED`, …).
    pub fn code_refused(&self, reason: &str) {
        self.codes_refused.inc_by("reason", reason, 1);
    }

    /// A sweep ran to its end: its run and the findings it made.
    pub fn sweep_ran(&self, report: &openday_sweeps::Report) {
        let kind = report.sweep.as_str();
        self.sweep_runs.inc_by("kind", kind, 1);
        self.findings
            .inc_by("kind", kind, report.findings_new.len() as u64);
    }

    /// The counters in the Prometheus (OpenMetrics) text format.
    pub fn exposition(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }

    /// The totals by CloudWatch metric name (labels summed: the alarms watch totals).
    fn totals(&self) -> [(&'static str, u64); 9] {
        [
            ("Registrations", self.registrations.get()),
            ("CodesSent", self.codes_sent.get()),
            ("CodesRefused", self.codes_refused.total.get()),
            ("MailsSent", self.mails_sent.get()),
            ("MailsFailed", self.mails_failed.get()),
            ("TextsSent", self.texts_sent.get()),
            ("TextsFailed", self.texts_failed.total.get()),
            ("SweepRuns", self.sweep_runs.total.get()),
            ("Findings", self.findings.total.get()),
        ]
    }

    /// One embedded-metric-format line with what changed since the last one (none when
    /// nothing did), for `function` at `at_ms` (milliseconds since the epoch).
    pub fn emf(&self, function: &str, at_ms: i64) -> Option<String> {
        let mut reported = self.reported.lock().unwrap_or_else(PoisonError::into_inner);
        let changed: Vec<(&'static str, u64)> = self
            .totals()
            .into_iter()
            .filter_map(|(name, total)| {
                let before = reported.insert(name, total).unwrap_or(0);
                (total > before).then_some((name, total - before))
            })
            .collect();
        if changed.is_empty() {
            return None;
        }
        let mut line = serde_json::json!({
            "_aws": {
                "Timestamp": at_ms,
                "CloudWatchMetrics": [{
                    "Namespace": NAMESPACE,
                    // Per function (the missed-sweep alarms) and in all (the others).
                    "Dimensions": [["Function"], []],
                    "Metrics": changed
                        .iter()
                        .map(|(name, _)| serde_json::json!({"Name": name, "Unit": "Count"}))
                        .collect::<Vec<_>>(),
                }],
            },
            "Function": function,
        });
        for (name, delta) in changed {
            line[name] = delta.into();
        }
        Some(line.to_string())
    }
}

/// `inner`, counting the mail it takes and refuses in `metrics`.
pub fn counted_mail(inner: Arc<dyn Mailer>, metrics: Arc<Metrics>) -> Arc<dyn Mailer> {
    Arc::new(CountedMail { inner, metrics })
}

struct CountedMail {
    inner: Arc<dyn Mailer>,
    metrics: Arc<Metrics>,
}

impl Mailer for CountedMail {
    fn send<'a>(&'a self, mail: &'a Message<'a>) -> openday_mail::Sent<'a> {
        Box::pin(async move {
            let sent = self.inner.send(mail).await;
            match &sent {
                Ok(_) => self.metrics.mails_sent.inc(),
                Err(_) => self.metrics.mails_failed.inc(),
            };
            sent
        })
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

/// `inner`, counting the texts it takes and those it does not (by outcome) in `metrics`.
pub fn counted_sms(inner: Arc<dyn SmsSender>, metrics: Arc<Metrics>) -> Arc<dyn SmsSender> {
    Arc::new(CountedSms { inner, metrics })
}

struct CountedSms {
    inner: Arc<dyn SmsSender>,
    metrics: Arc<Metrics>,
}

impl SmsSender for CountedSms {
    fn send<'a>(&'a self, to: &'a Phone, text: &'a Text) -> openday_sms::Sent<'a> {
        Box::pin(async move {
            let sent = self.inner.send(to, text).await;
            match &sent {
                Ok(_) => {
                    self.metrics.texts_sent.inc();
                }
                Err(e) => {
                    let outcome = match e {
                        SmsError::Refused { .. } => "refused",
                        _ => "unavailable",
                    };
                    self.metrics.texts_failed.inc_by("outcome", outcome, 1);
                }
            };
            sent
        })
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn provider(&self) -> &'static str {
        self.inner.provider()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests fail loudly
mod tests {
    use super::*;

    /// A finished run of `sweep` that made `new` findings.
    fn run(sweep: &str, new: usize) -> openday_sweeps::Report {
        openday_sweeps::Report {
            sweep: sweep.into(),
            findings_new: (0..new).map(|n| format!("finding#{n}")).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn the_exposition_names_each_counter_with_its_labels() {
        let m = Metrics::new();
        m.registration_taken();
        m.registration_taken();
        m.code_refused("RATE_LIMITED");
        m.sweep_ran(&run("notice", 3));
        let text = m.exposition();
        assert!(text.contains("openday_registrations_total 2"), "{text}");
        assert!(
            text.contains("openday_codes_refused_total{reason=\"RATE_LIMITED\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("openday_findings_total{kind=\"notice\"} 3"),
            "{text}"
        );
        assert!(
            text.contains("# TYPE openday_mails_failed counter"),
            "{text}"
        );
        assert!(text.trim_end().ends_with("# EOF"), "{text}");
    }

    #[test]
    fn an_emf_line_carries_what_changed_since_the_last_and_nothing_twice() {
        let m = Metrics::new();
        assert_eq!(m.emf("public", 1), None, "nothing happened");
        m.registration_taken();
        m.code_refused("SMS_BUDGET_EXHAUSTED");
        m.code_refused("RATE_LIMITED");
        let line: serde_json::Value =
            serde_json::from_str(&m.emf("public", 1_000).unwrap()).unwrap();
        assert_eq!(line["Registrations"], 1);
        assert_eq!(line["CodesRefused"], 2);
        assert_eq!(line["Function"], "public");
        assert_eq!(line["_aws"]["Timestamp"], 1_000);
        let spec = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(spec["Namespace"], NAMESPACE);
        let names: Vec<&str> = spec["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Registrations", "CodesRefused"]);
        assert_eq!(m.emf("public", 2_000), None, "reported already");
        m.sweep_ran(&run("report", 0));
        let line: serde_json::Value =
            serde_json::from_str(&m.emf("sweep-report", 3_000).unwrap()).unwrap();
        assert_eq!(
            (line["SweepRuns"].as_u64(), line.get("Findings")),
            (Some(1), None)
        );
    }
}
