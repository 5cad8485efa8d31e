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

            /// Who may call which of the service's RPCs.
            pub fn access(self) -> &'static frontdesk_platform::access::Table {
                match self {
                    $(ServiceName::$name => <$svc as Service>::ACCESS),+
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

/// Every access table this binary enforces: each service's, then the event sink's and the
/// parked-events service's (mounted beside any service that consumes events).
pub fn access_tables() -> Vec<&'static frontdesk_platform::access::Table> {
    let mut tables: Vec<_> = ServiceName::ALL.iter().map(|s| s.access()).collect();
    tables.push(&frontdesk_platform::inbox::SINK_ACCESS);
    tables.push(&frontdesk_platform::inbox::PARKED_ACCESS);
    tables
}

/// The role matrix as the README shows it (`frontdesk roles`).
pub fn role_matrix() -> String {
    frontdesk_platform::access::markdown(&access_tables())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's matrix is `frontdesk roles` between its markers; after changing a table,
    /// `FRONTDESK_UPDATE_README=1 cargo test -p frontdesk the_readme_lists` rewrites it.
    #[test]
    fn the_readme_lists_the_role_matrix_the_servers_enforce() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
        let readme = std::fs::read_to_string(path).expect("README.md");
        let (begin, end) = ("<!-- roles:begin -->\n", "<!-- roles:end -->");
        let start = readme.find(begin).expect("roles:begin marker") + begin.len();
        let stop = readme.find(end).expect("roles:end marker");
        let matrix = role_matrix();
        if std::env::var_os("FRONTDESK_UPDATE_README").is_some() {
            let updated = format!("{}{matrix}{}", &readme[..start], &readme[stop..]);
            std::fs::write(path, updated).expect("write README.md");
            return;
        }
        assert_eq!(
            &readme[start..stop],
            matrix,
            "README.md's role matrix differs from the code: run \
             FRONTDESK_UPDATE_README=1 cargo test -p frontdesk the_readme_lists_the_role_matrix"
        );
    }

    #[test]
    fn every_served_method_has_a_row_and_every_row_a_method() {
        let mut declared: Vec<String> =
            frontdesk_proto::declared_methods(frontdesk_proto::FILE_DESCRIPTOR_SET)
                .iter()
                .map(|m| format!("{}/{}", m.service, m.method))
                .collect();
        let mut listed: Vec<String> = access_tables()
            .iter()
            .flat_map(|t| {
                t.rules
                    .iter()
                    .map(move |(m, _)| format!("{}/{m}", t.service))
            })
            .collect();
        declared.sort();
        listed.sort();
        assert_eq!(declared, listed);
    }
}
