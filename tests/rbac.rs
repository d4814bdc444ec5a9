//! RBAC's public behaviour: validation errors, wildcards, inheritance, tenants, unknown
//! roles, scopes, explanations and hot reload.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use portcullis::Principal;
use portcullis::rbac::{Explanation, Policy, PolicyDocument, PolicyHandle, RbacError, Role, check_scope};

fn compile_error(toml: &str) -> RbacError {
    Policy::from_toml(toml).unwrap_err()
}

// ---- validation -------------------------------------------------------------------

#[test]
fn an_unknown_inherited_role_is_named_with_its_referrer() {
    let err = compile_error("[roles.editor]\ninherits = [\"viewer\"]");
    assert_eq!(
        err,
        RbacError::UnknownRole {
            role: "viewer".into(),
            referenced_by: "role editor".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "role `viewer` referenced by role editor is not defined"
    );
}

#[test]
fn an_unknown_bound_role_is_named_with_its_subject_and_tenant() {
    let err = compile_error("[subjects]\nalice = [\"ghost\"]");
    assert_eq!(
        err,
        RbacError::UnknownRole {
            role: "ghost".into(),
            referenced_by: "subject alice".into()
        }
    );
    let err = compile_error("[roles.a]\n[tenants.acme.subjects]\nbob = [\"a\", \"ghost\"]");
    assert_eq!(
        err,
        RbacError::UnknownRole {
            role: "ghost".into(),
            referenced_by: "subject bob in tenant acme".into()
        }
    );
}

#[test]
fn an_inheritance_cycle_is_named() {
    let err = compile_error(
        r#"
        [roles.a]
        inherits = ["b"]
        [roles.b]
        inherits = ["c"]
        [roles.c]
        inherits = ["a"]
        [roles.d]
        inherits = ["a"]
        "#,
    );
    let RbacError::InheritanceCycle(cycle) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(cycle.first(), cycle.last());
    assert_eq!(cycle.len(), 4, "{cycle:?}");
    let mut members: Vec<&str> = cycle[..3].iter().map(String::as_str).collect();
    members.sort_unstable();
    assert_eq!(members, ["a", "b", "c"], "d is behind the cycle, not on it");
    assert_eq!(err.code(), "inheritance_cycle");
}

#[test]
fn a_role_inheriting_itself_is_a_cycle() {
    let err = compile_error("[roles.a]\ninherits = [\"a\"]");
    assert_eq!(err, RbacError::InheritanceCycle(vec!["a".into(), "a".into()]));
}

#[test]
fn malformed_permissions_are_refused_by_name() {
    for bad in [
        "orders",
        "orders:",
        ":read",
        "*:read",
        "*:*",
        "orders:read:all",
        "orders:re ad",
        "ordérs:read",
    ] {
        let err = Policy::compile(&PolicyDocument::new().role("r", Role::new().grant(bad))).unwrap_err();
        assert_eq!(err, RbacError::MalformedPermission(bad.to_owned()), "{bad}");
    }
}

#[test]
fn a_duplicate_role_is_refused_in_json_and_in_code() {
    let json = r#"{"roles": {"viewer": {"permissions": ["a:b"]}, "viewer": {"permissions": ["a:*"]}}}"#;
    assert_eq!(
        Policy::from_json(json).unwrap_err(),
        RbacError::DuplicateRole("viewer".into())
    );
    let doc = PolicyDocument::new()
        .role("viewer", Role::new())
        .role("viewer", Role::new().grant("a:*"));
    assert_eq!(Policy::compile(&doc).unwrap_err().code(), "duplicate_role");
    // TOML itself forbids a repeated table; the parser's error names it.
    let err = compile_error("[roles.viewer]\n[roles.viewer]");
    assert_eq!(err.code(), "malformed_policy");
    assert!(err.to_string().contains("viewer"), "{err}");
}

#[test]
fn a_duplicate_subject_is_refused() {
    let json = r#"{"roles": {"r": {}}, "subjects": {"alice": ["r"], "alice": []}}"#;
    assert_eq!(
        Policy::from_json(json).unwrap_err(),
        RbacError::DuplicateSubject("alice".into())
    );
}

#[test]
fn empty_and_invalid_names_are_refused() {
    assert_eq!(
        Policy::from_json(r#"{"roles": {"": {}}}"#).unwrap_err(),
        RbacError::EmptyName("role")
    );
    assert_eq!(
        Policy::from_json(r#"{"roles": {"r": {}}, "subjects": {"": ["r"]}}"#)
            .unwrap_err()
            .code(),
        "empty_name"
    );
    let json = r#"{"roles": {}, "tenants": {"": {"subjects": {}}}}"#;
    assert_eq!(Policy::from_json(json).unwrap_err(), RbacError::EmptyName("tenant"));
    assert_eq!(
        Policy::from_json(r#"{"roles": {"a b": {}}}"#).unwrap_err().code(),
        "invalid_name"
    );
    let long = format!(r#"{{"roles": {{"{}": {{}}}}}}"#, "r".repeat(129));
    assert_eq!(Policy::from_json(&long).unwrap_err().code(), "invalid_name");
}

#[test]
fn oversize_input_is_refused() {
    let huge = " ".repeat(portcullis::rbac::MAX_POLICY_BYTES + 1);
    assert_eq!(compile_error(&huge).code(), "too_large");
    let mut doc = PolicyDocument::new();
    for i in 0..=portcullis::rbac::MAX_ROLES {
        doc = doc.role(&format!("r{i}"), Role::new());
    }
    assert_eq!(
        Policy::compile(&doc).unwrap_err(),
        RbacError::TooLarge {
            what: "roles",
            limit: 10_000
        }
    );
}

#[test]
fn unknown_fields_and_wrong_types_are_malformed() {
    assert_eq!(
        compile_error("[roles.a]\npermision = [\"a:b\"]").code(),
        "malformed_policy"
    );
    assert_eq!(
        compile_error("[roles.a]\npermissions = \"a:b\"").code(),
        "malformed_policy"
    );
    assert_eq!(compile_error("[groups.a]").code(), "malformed_policy");
    assert_eq!(Policy::from_json("{").unwrap_err().code(), "malformed_policy");
}

// ---- semantics --------------------------------------------------------------------

const SHOP: &str = r#"
[roles.viewer]
permissions = ["orders:read", "catalog:read"]
[roles.clerk]
inherits = ["viewer"]
permissions = ["orders:write"]
[roles.manager]
inherits = ["clerk"]
permissions = ["invoices:*"]
[roles.admin]
inherits = ["manager"]
permissions = ["orders:*", "audit:read"]
[roles.auditor]
permissions = ["audit:read"]
[subjects]
alice = ["admin"]
carol = ["viewer", "auditor"]
[tenants.acme.subjects]
bob = ["clerk"]
[tenants.globex.subjects]
bob = ["viewer"]
"#;

fn shop() -> Policy {
    Policy::from_toml(SHOP).unwrap()
}

#[test]
fn a_wildcard_grants_every_action_on_its_resource_and_nothing_else() {
    let policy = shop();
    let manager = policy.permissions_for(["manager"]);
    for action in ["read", "pay", "refund", "a-new-action-nobody-named"] {
        assert!(
            policy.check(&manager, policy.permission(&format!("invoices:{action}")).unwrap()),
            "{action}"
        );
    }
    assert!(!policy.check_str(&manager, "invoicesx:read"));
    assert!(!policy.check_str(&manager, "invoice:read"));
    assert!(!policy.check_str(&policy.permissions_for(["clerk"]), "invoices:read"));
}

#[test]
fn asking_for_the_wildcard_itself_needs_the_wildcard_grant() {
    let policy = shop();
    let all_orders = policy.permission("orders:*").unwrap();
    assert!(
        !policy.check(&policy.permissions_for(["clerk"]), all_orders),
        "read + write is not every action"
    );
    assert!(policy.check(&policy.permissions_for(["admin"]), all_orders));
}

#[test]
fn inheritance_reaches_through_every_level() {
    let policy = shop();
    let admin = policy.permissions_for(["admin"]);
    for permission in [
        "catalog:read",
        "orders:write",
        "invoices:void",
        "audit:read",
        "orders:delete",
    ] {
        assert!(policy.check_str(&admin, permission), "{permission}");
    }
    let viewer = policy.permissions_for(["viewer"]);
    assert!(policy.check_str(&viewer, "catalog:read"));
    assert!(
        !policy.check_str(&viewer, "orders:write"),
        "inheritance only flows from parent to child"
    );
}

#[test]
fn a_callers_roles_are_combined() {
    let policy = shop();
    let both = policy.permissions_for(["viewer", "auditor"]);
    assert!(policy.check_str(&both, "orders:read") && policy.check_str(&both, "audit:read"));
    assert!(!policy.check_str(&both, "orders:write"));
}

#[test]
fn tenant_bindings_hold_only_in_their_tenant() {
    let policy = shop();
    let write = policy.permission("orders:write").unwrap();
    let read = policy.permission("orders:read").unwrap();
    let in_acme = Principal::new("bob").with_tenant("acme");
    let in_globex = Principal::new("bob").with_tenant("globex");
    let nowhere = Principal::new("bob");
    assert!(policy.check(&policy.principal_permissions(&in_acme), write));
    assert!(!policy.check(&policy.principal_permissions(&in_globex), write));
    assert!(policy.check(&policy.principal_permissions(&in_globex), read));
    assert!(policy.principal_permissions(&nowhere).is_empty());
    assert!(policy.check(&policy.subject_permissions("bob", Some("acme")), write));
}

#[test]
fn token_roles_and_policy_bindings_add_up() {
    let policy = shop();
    let carol = Principal::new("carol").with_roles(["clerk"]);
    let set = policy.principal_permissions(&carol);
    assert!(policy.check_str(&set, "orders:write"), "from the token's clerk role");
    assert!(
        policy.check_str(&set, "audit:read"),
        "from the policy's binding of carol"
    );
}

#[test]
fn unknown_roles_grant_nothing_and_are_reported_to_the_audit_log() {
    let policy = shop();
    let (set, events) = capture_audit(|| policy.permissions_for(["superuser", "viewer"]));
    assert!(policy.check_str(&set, "orders:read"));
    assert!(!policy.check_str(&set, "orders:write"));
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(
        events[0].contains("event=unknown_role") && events[0].contains("role=superuser"),
        "{events:?}"
    );
    // Many unknown roles: one event, with the count.
    let (_, events) = capture_audit(|| policy.permissions_for(["x1", "x2", "viewer", "x3"]));
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(
        events[0].contains("role=x1") && events[0].contains("count=3"),
        "{events:?}"
    );
    assert!(policy.permissions_for(["superuser"]).is_empty());
}

#[test]
fn malformed_and_unknown_permission_names() {
    let policy = shop();
    let admin = policy.permissions_for(["admin"]);
    assert!(!policy.check_str(&admin, "not a permission"));
    assert!(!policy.check_str(&admin, "reports:read"), "never granted");
    assert_eq!(
        policy.permission("no colon").unwrap_err().code(),
        "malformed_permission"
    );
    // A permission no policy grants still resolves, and is never allowed.
    assert!(!policy.check(&admin, policy.permission("reports:read").unwrap()));
}

#[test]
fn ids_and_sets_from_another_policy_never_match() {
    let (a, b) = (shop(), shop());
    let read_in_a = a.permission("orders:read").unwrap();
    assert!(a.check(&a.permissions_for(["viewer"]), read_in_a));
    assert!(
        !b.check(&b.permissions_for(["viewer"]), read_in_a),
        "fail closed across registries"
    );
}

#[test]
fn authorize_and_check_scope_give_errors_with_codes() {
    let policy = shop();
    let write = policy.permission("orders:write").unwrap();
    assert_eq!(
        policy.authorize(&policy.permissions_for(["viewer"]), write),
        Err(RbacError::Forbidden)
    );
    assert_eq!(policy.authorize(&policy.permissions_for(["clerk"]), write), Ok(()));
    let caller = Principal::new("svc").with_scopes(["orders.read"]);
    assert_eq!(check_scope(&caller, "orders.read"), Ok(()));
    assert_eq!(
        check_scope(&caller, "orders.write"),
        Err(RbacError::InsufficientScope("orders.write".into()))
    );
}

#[test]
fn explain_names_the_role_path_and_grant() {
    let policy = shop();
    assert_eq!(
        policy.explain(["admin"], "catalog:read"),
        Explanation::Granted {
            permission: "catalog:read".into(),
            role: "admin".into(),
            path: vec!["admin".into(), "manager".into(), "clerk".into(), "viewer".into()],
            grant: "catalog:read".into(),
        }
    );
    // The shortest path wins: admin grants orders:* itself.
    let Explanation::Granted { path, grant, .. } = policy.explain(["admin"], "orders:read") else {
        panic!()
    };
    assert_eq!((path, grant), (vec!["admin".to_owned()], "orders:*".to_owned()));
    assert_eq!(
        policy.explain(["ghost", "viewer"], "orders:write"),
        Explanation::Denied {
            permission: "orders:write".into(),
            unknown_roles: vec!["ghost".into()]
        }
    );
    assert_eq!(
        policy.explain(["ghost"], "not a permission"),
        Explanation::Denied {
            permission: "not a permission".into(),
            unknown_roles: vec!["ghost".into()]
        }
    );
    assert_eq!(
        policy.explain(["viewer"], "orders:write").to_string(),
        "orders:write is granted by none of the roles"
    );
}

#[test]
fn summary_counts() {
    let policy = shop();
    assert_eq!(policy.role_count(), 5);
    assert_eq!(policy.binding_count(), 4);
    assert_eq!(policy.tenant_count(), 2);
    assert!(policy.has_role("auditor") && !policy.has_role("root"));
}

// ---- hot reload -------------------------------------------------------------------

const V1: &str = "[roles.clerk]\npermissions = [\"orders:read\"]";
const V2: &str = "[roles.clerk]\npermissions = [\"orders:write\"]";

#[test]
fn a_failed_reload_keeps_the_old_policy() {
    let handle = PolicyHandle::from_toml(V1).unwrap();
    let read = handle.permission("orders:read").unwrap();
    for broken in [
        "[roles.clerk]\ninherits = [\"ghost\"]",
        "not toml [",
        "[roles.clerk]\npermissions = [\"bad\"]",
    ] {
        assert!(handle.reload_toml(broken).is_err());
        assert!(handle.current().permissions_for(["clerk"]).allows(read));
    }
    assert!(
        handle
            .reload_json(r#"{"roles": {"clerk": {"permissions": ["orders:write"]}}}"#)
            .is_ok()
    );
    assert!(!handle.current().permissions_for(["clerk"]).allows(read));
}

#[test]
fn ids_resolved_before_a_reload_work_after_it() {
    let handle = PolicyHandle::from_toml(V1).unwrap();
    let refund = handle.permission("payments:refund").unwrap(); // not in V1 at all
    assert!(!handle.current().permissions_for(["clerk"]).allows(refund));
    handle
        .reload_toml("[roles.clerk]\npermissions = [\"payments:*\"]")
        .unwrap();
    assert!(handle.current().permissions_for(["clerk"]).allows(refund));
}

#[test]
fn readers_never_see_a_mixed_policy_while_reloads_run() {
    let handle = PolicyHandle::from_toml(V1).unwrap();
    let (read, write) = (
        handle.permission("orders:read").unwrap(),
        handle.permission("orders:write").unwrap(),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let checks = Arc::new(AtomicUsize::new(0));
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let (handle, stop, checks) = (handle.clone(), stop.clone(), checks.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let policy = handle.current();
                    let clerk = policy.permissions_for(["clerk"]);
                    // Exactly one of the two versions, never both or neither.
                    assert_ne!(policy.check(&clerk, read), policy.check(&clerk, write));
                    checks.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    // At least 200 reloads, and on until the readers have made 1,000 checks.
    let mut round = 0;
    while round < 200 || checks.load(Ordering::Relaxed) < 1_000 {
        handle.reload_toml(if round % 2 == 0 { V2 } else { V1 }).unwrap();
        assert!(handle.reload_toml("[roles.clerk]\ninherits = [\"nobody\"]").is_err());
        round += 1;
    }
    if round % 2 == 1 {
        handle.reload_toml(V1).unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    for reader in readers {
        reader.join().expect("a reader saw a mixed policy");
    }
    // Alternating reloads, ending on V1.
    assert!(handle.current().permissions_for(["clerk"]).allows(read));
}

// ---- a minimal audit-log capture --------------------------------------------------

/// Runs `f` with a subscriber that records `portcullis::audit` events as text.
fn capture_audit<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    use std::sync::Mutex;
    use tracing::field::{Field, Visit};

    struct Capture(Arc<Mutex<Vec<String>>>);
    struct Fields(String);
    impl Visit for Fields {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            self.0.push_str(&format!("{}={:?} ", field.name(), value));
        }
        fn record_str(&mut self, field: &Field, value: &str) {
            self.0.push_str(&format!("{}={} ", field.name(), value));
        }
    }
    impl tracing::Subscriber for Capture {
        fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
            metadata.target() == "portcullis::audit"
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            let mut fields = Fields(String::new());
            event.record(&mut fields);
            self.0.lock().unwrap().push(fields.0);
        }
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }
    let events = Arc::new(Mutex::new(Vec::new()));
    let result = tracing::subscriber::with_default(Capture(events.clone()), f);
    let events = events.lock().unwrap().clone();
    (result, events)
}

#[test]
fn reloads_and_lookups_do_not_inflate_the_policys_own_counts() {
    let handle = PolicyHandle::from_toml(V1).unwrap();
    handle.permission("orders:write").unwrap();
    for _ in 0..5 {
        handle.reload_toml(V1).unwrap();
        assert!(
            handle
                .reload_toml("[roles.clerk]\npermissions = [\"a:b\", \"bad\"]")
                .is_err()
        );
    }
    assert_eq!(handle.current().permission_count(), 1);
}
