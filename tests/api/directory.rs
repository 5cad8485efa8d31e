//! Routing's directory: default departments, staff and partners per property, through gRPC
//! on SQLite and Postgres.

// Scenarios read top to bottom, as staff would play them.
#![allow(clippy::too_many_lines)]

use frontdesk_platform::auth::Role;
use frontdesk_platform::error::violated_fields;
use frontdesk_proto::common::v1 as common;
use frontdesk_proto::routing::v1 as pb;
use frontdesk_tests::{Backend, Env, PROPERTY_A, PROPERTY_B, RoutingClient, on_both_backends};
use tonic::Code;

fn staff(id: &str, department: &str) -> pb::Staff {
    pb::Staff {
        property_id: PROPERTY_A.into(),
        staff_id: id.into(),
        name: "李娜".into(),
        department_code: department.into(),
        role: common::StaffRole::Agent as i32,
        languages: vec!["zh".into(), "en".into()],
        skills: vec!["reservation".into(), "room_rates".into()],
        capacity: 8,
        on_duty: false,
        updated_at: None,
        shifts: vec![],
        available_now: false,
    }
}

async fn upsert_staff(
    c: &mut RoutingClient,
    s: pb::Staff,
) -> Result<pb::UpsertStaffResponse, tonic::Status> {
    c.upsert_staff(pb::UpsertStaffRequest {
        update_mask: None,
        staff: Some(s),
    })
    .await
    .map(|r| r.into_inner())
}

async fn every_property_starts_with_the_default_departments(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    let mut codes = Vec::new();
    let mut token = String::new();
    loop {
        let page = c
            .list_departments(pb::ListDepartmentsRequest {
                property_id: PROPERTY_A.into(),
                page_size: 5,
                page_token: token,
            })
            .await
            .expect("list")
            .into_inner();
        assert!(page.departments.len() <= 5);
        for d in &page.departments {
            assert!(!d.name_zh.is_empty() && !d.name_en.is_empty(), "{d:?}");
        }
        codes.extend(page.departments.into_iter().map(|d| d.code));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(codes.len(), 12, "{codes:?}");
    for code in [
        "front_office",
        "guest_relations",
        "social_media",
        "call_center",
        "administration",
    ] {
        assert!(codes.contains(&code.to_string()), "{code} missing");
    }
    let err = c
        .list_departments(pb::ListDepartmentsRequest {
            property_id: PROPERTY_B.into(),
            ..Default::default()
        })
        .await
        .expect_err("other property");
    assert_eq!(err.code(), Code::PermissionDenied);
}

async fn staff_are_validated_saved_and_listed_by_department_and_duty(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut sup = app.routing_as("sue", Role::Supervisor, &[PROPERTY_A]).await;

    let err = upsert_staff(&mut sup, staff("E1", "spa_department"))
        .await
        .expect_err("unknown department");
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&err), ["staff.department_code"]);

    let mut bad = staff("E1", "front_office");
    bad.shifts = vec!["mon 9-5".into()];
    let err = upsert_staff(&mut sup, bad.clone())
        .await
        .expect_err("bad shift");
    assert_eq!(violated_fields(&err), ["staff.shifts"]);
    bad.shifts.clear();
    bad.capacity = 0;
    bad.skills = vec!["cooking".into()];
    bad.role = 0;
    let err = upsert_staff(&mut sup, bad).await.expect_err("bad fields");
    assert_eq!(
        violated_fields(&err),
        ["staff.skills", "staff.capacity", "staff.role"]
    );

    assert!(
        upsert_staff(&mut sup, staff("E1", "front_office"))
            .await
            .expect("create")
            .created
    );
    let mut renamed = staff("E1", "front_office");
    renamed.name = "李娜娜".into();
    let again = upsert_staff(&mut sup, renamed).await.expect("update");
    assert!(!again.created);
    assert_eq!(again.staff.expect("staff").name, "李娜娜");
    upsert_staff(&mut sup, staff("E2", "food_beverage"))
        .await
        .expect("create");

    // Staff clock themselves in; another agent may not do it for them.
    let mut e1 = app.routing_as("E1", Role::Agent, &[PROPERTY_A]).await;
    let on = e1
        .set_on_duty(pb::SetOnDutyRequest {
            property_id: PROPERTY_A.into(),
            staff_id: "E1".into(),
            on_duty: true,
        })
        .await
        .expect("self on duty")
        .into_inner();
    assert!(on.staff.expect("staff").on_duty);
    let err = e1
        .set_on_duty(pb::SetOnDutyRequest {
            property_id: PROPERTY_A.into(),
            staff_id: "E2".into(),
            on_duty: true,
        })
        .await
        .expect_err("someone else");
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = sup
        .set_on_duty(pb::SetOnDutyRequest {
            property_id: PROPERTY_A.into(),
            staff_id: "E404".into(),
            on_duty: true,
        })
        .await
        .expect_err("unknown staff");
    assert_eq!(err.code(), Code::NotFound);

    let on_duty = sup
        .list_staff(pb::ListStaffRequest {
            property_id: PROPERTY_A.into(),
            on_duty_only: true,
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner();
    assert_eq!(
        on_duty
            .staff
            .iter()
            .map(|s| s.staff_id.as_str())
            .collect::<Vec<_>>(),
        ["E1"]
    );
    let fb = sup
        .list_staff(pb::ListStaffRequest {
            property_id: PROPERTY_A.into(),
            department_code: "food_beverage".into(),
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner();
    assert_eq!(
        fb.staff
            .iter()
            .map(|s| s.staff_id.as_str())
            .collect::<Vec<_>>(),
        ["E2"]
    );
}

async fn departments_are_managed_by_managers_with_real_heads(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let dept = pb::Department {
        property_id: PROPERTY_A.into(),
        code: "butler_service".into(),
        name_zh: "管家部".into(),
        name_en: "Butler Service".into(),
        head_staff_id: "H1".into(),
        email: "butler@example.com".into(),
        ..Default::default()
    };
    let mut agent = app.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    let err = agent
        .upsert_department(pb::UpsertDepartmentRequest {
            update_mask: None,
            department: Some(dept.clone()),
        })
        .await
        .expect_err("agents do not manage departments");
    assert_eq!(err.code(), Code::PermissionDenied);

    let mut manager = app.routing_as("max", Role::Manager, &[PROPERTY_A]).await;
    let err = manager
        .upsert_department(pb::UpsertDepartmentRequest {
            update_mask: None,
            department: Some(dept.clone()),
        })
        .await
        .expect_err("head must exist");
    assert_eq!(violated_fields(&err), ["department.head_staff_id"]);

    let mut no_head = dept.clone();
    no_head.head_staff_id.clear();
    let created = manager
        .upsert_department(pb::UpsertDepartmentRequest {
            update_mask: None,
            department: Some(no_head),
        })
        .await
        .expect("create")
        .into_inner();
    assert!(created.created);
    upsert_staff(&mut manager, staff("H1", "butler_service"))
        .await
        .expect("head joins");
    let updated = manager
        .upsert_department(pb::UpsertDepartmentRequest {
            update_mask: None,
            department: Some(dept),
        })
        .await
        .expect("update with head")
        .into_inner();
    assert!(!updated.created);
    assert_eq!(updated.department.expect("dept").head_staff_id, "H1");
}

async fn partners_carry_the_contact_the_customer_is_given(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut sup = app.routing_as("sue", Role::Supervisor, &[PROPERTY_A]).await;
    let mut partner = pb::Partner {
        property_id: PROPERTY_A.into(),
        partner_id: "sh-travel-01".into(),
        kind: pb::PartnerKind::TravelAgency as i32,
        name: "上海春秋旅行社".into(),
        contact_name: "王经理".into(),
        handles: "day tours, Disney tickets".into(),
        ..Default::default()
    };
    let err = sup
        .upsert_partner(pb::UpsertPartnerRequest {
            update_mask: None,
            partner: Some(partner.clone()),
        })
        .await
        .expect_err("no contact");
    assert_eq!(violated_fields(&err), ["partner"]);
    partner.phone = "+86 21 6252 0000".into();
    assert!(
        sup.upsert_partner(pb::UpsertPartnerRequest {
            update_mask: None,
            partner: Some(partner)
        })
        .await
        .expect("save")
        .into_inner()
        .created
    );
    let list = sup
        .list_partners(pb::ListPartnersRequest {
            property_id: PROPERTY_A.into(),
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner();
    assert_eq!(list.partners.len(), 1);
    assert_eq!(list.partners[0].phone, "+86 21 6252 0000");
}

on_both_backends!(
    every_property_starts_with_the_default_departments,
    staff_are_validated_saved_and_listed_by_department_and_duty,
    departments_are_managed_by_managers_with_real_heads,
    partners_carry_the_contact_the_customer_is_given,
);
