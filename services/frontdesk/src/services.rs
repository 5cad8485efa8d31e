//! The services this binary can run: one line each. `serve <service>`, `migrate <service>`,
//! `dev` and the test harness are all driven by this table.

use frontdesk_platform::db::MigrationFile;
use frontdesk_platform::mount::{Deps, Mounted, Service};

macro_rules! services {
    ($($name:ident => $svc:ty),+ $(,)?) => {
        /// A service of the suite, by its short name.
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
        pub enum ServiceName {
            $($name),+
        }

        impl ServiceName {
            /// Every service, in start order.
            pub const ALL: &'static [ServiceName] = &[$(ServiceName::$name),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(ServiceName::$name => <$svc as Service>::NAME),+
                }
            }

            pub fn migrations(self) -> &'static [MigrationFile] {
                match self {
                    $(ServiceName::$name => <$svc as Service>::migrations()),+
                }
            }
        }

        /// Every service's own settings, flattened into the command line.
        #[derive(Clone, Default, clap::Args)]
        pub struct ServiceArgs {
            $(
                #[command(flatten)]
                pub $name: <$svc as Service>::Args,
            )+
        }

        impl ServiceArgs {
            /// The database URL given for `service` by its own flag, if any.
            pub fn database_url(&self, service: ServiceName) -> Option<String> {
                match service {
                    $(ServiceName::$name => <$svc as Service>::database_url(&self.$name)),+
                }
            }

            pub async fn start(&self, service: ServiceName, deps: Deps) -> anyhow::Result<Mounted> {
                match service {
                    $(ServiceName::$name => <$svc as Service>::start(deps, self.$name.clone()).await),+
                }
            }
        }
    };
}

services! {
    intake => frontdesk_intake::IntakeService,
    routing => frontdesk_routing::RoutingService,
    messaging => frontdesk_messaging::MessagingService,
    knowledge => frontdesk_knowledge::KnowledgeService,
    analytics => frontdesk_analytics::AnalyticsService,
}

impl std::fmt::Display for ServiceName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
