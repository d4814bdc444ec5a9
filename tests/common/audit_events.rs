//! Every `portcullis::audit` event, from every thread, as the process's global
//! subscriber records it.

use std::sync::{Arc, Mutex};

/// Every `portcullis::audit` event, from every thread, as its fields: the process's
/// global subscriber, for tests whose servers log from threads of their own
/// (actix-web's workers). Install it before anything logs; a test binary that uses
/// it should hold one test, or serialize its tests, to tell requests apart.
#[derive(Clone, Default)]
pub struct AuditEvents(Arc<Mutex<Vec<AuditEvent>>>);

/// One audit event's fields, by name, values as written.
pub type AuditEvent = std::collections::BTreeMap<&'static str, String>;

impl AuditEvents {
    /// Installs the global subscriber (once per process) and returns its events.
    pub fn install_global() -> AuditEvents {
        use tracing_subscriber::layer::SubscriberExt;

        static EVENTS: std::sync::OnceLock<AuditEvents> = std::sync::OnceLock::new();
        EVENTS
            .get_or_init(|| {
                let events = AuditEvents::default();
                let subscriber = tracing_subscriber::registry().with(events.clone());
                tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
                events
            })
            .clone()
    }

    /// How many events were recorded so far.
    // http_conformance.rs marks where each row's events start; http_actix.rs tells
    // its tests' events apart by route instead.
    #[allow(dead_code)]
    pub fn len(&self) -> usize {
        self.0.lock().expect("events").len()
    }

    /// The events recorded after the first `start`.
    pub fn since(&self, start: usize) -> Vec<AuditEvent> {
        self.0.lock().expect("events")[start..].to_vec()
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for AuditEvents {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() != "portcullis::audit" {
            return;
        }
        struct Fields(AuditEvent);
        impl tracing::field::Visit for Fields {
            fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
                self.0.insert(field.name(), value.to_owned());
            }

            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                self.0.insert(field.name(), format!("{value:?}"));
            }
        }
        let mut fields = Fields(AuditEvent::new());
        event.record(&mut fields);
        self.0.lock().expect("events").push(fields.0);
    }
}
