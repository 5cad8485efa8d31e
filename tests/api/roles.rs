//! The role matrix (issue 8): every declared RPC, called with a token of every role. A role
//! its service's table leaves out is refused before any handler runs (PERMISSION_DENIED,
//! reason ROLE_NOT_ALLOWED); a role the table lists is never refused by that gate — the call
//! then fails or succeeds on its merits (an empty request is mostly INVALID_ARGUMENT). So the
//! table `frontdesk roles` prints and the README lists is the one the servers enforce.

use frontdesk_platform::access::{ALL_ROLES, ROLE_NOT_ALLOWED};
use frontdesk_tests::raw::{RawCodec, methods};
use frontdesk_tests::{Backend, Env, on_both_backends, token};
use tonic::Code;
use tonic_types::StatusExt;

fn refused_by_the_table(result: &Result<(), tonic::Status>) -> bool {
    matches!(result, Err(s) if s.code() == Code::PermissionDenied
        && s.get_details_error_info().is_some_and(|i| i.reason == ROLE_NOT_ALLOWED))
}

async fn every_rpc_refuses_exactly_the_roles_its_table_leaves_out(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let tables = frontdesk::services::access_tables();
    let mut grpc = tonic::client::Grpc::new(app.channel().await);
    let mut wrong = Vec::new();
    let mut refusals = 0;
    for m in methods() {
        let Some(allowed) = tables
            .iter()
            .find(|t| t.service == m.service)
            .and_then(|t| t.roles(&m.method))
        else {
            wrong.push(format!("{} is in no table", m.path()));
            continue;
        };
        let path: http::uri::PathAndQuery = m.path().parse().expect("path");
        for role in ALL_ROLES {
            let mut req = tonic::Request::new(Vec::new());
            let bearer = format!("Bearer {}", token("rita", role, &["*"]));
            req.metadata_mut()
                .insert("authorization", bearer.parse().expect("header"));
            req.set_timeout(std::time::Duration::from_secs(5));
            grpc.ready().await.expect("server still serving");
            let result = if m.server_streaming {
                grpc.server_streaming(req, path.clone(), RawCodec)
                    .await
                    .map(drop)
            } else {
                grpc.unary(req, path.clone(), RawCodec).await.map(drop)
            };
            if let Err(s) = &result
                && s.code() == Code::Unimplemented
            {
                wrong.push(format!("{} is declared but not served", m.path()));
                break;
            }
            let refused = refused_by_the_table(&result);
            refusals += usize::from(refused);
            // Nor may a handler refuse a listed role on role grounds (an empty request is
            // refused for what it lacks, before anything that depends on who asks).
            let denied = matches!(&result, Err(s) if s.code() == Code::PermissionDenied);
            if refused == allowed.contains(&role) || (allowed.contains(&role) && denied) {
                wrong.push(format!(
                    "{} as {role}: {}",
                    m.path(),
                    if allowed.contains(&role) {
                        format!("refused, but the table allows it ({result:?})")
                    } else {
                        format!("not refused by the table ({result:?})")
                    }
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(refusals > 100, "only {refusals} refusals: is the gate on?");
    app.stop().await;
}

on_both_backends!(every_rpc_refuses_exactly_the_roles_its_table_leaves_out);
