//! Directory RPCs: departments, staff and partners.

use super::*;

impl RoutingApi {
    pub(super) async fn list_departments(
        &self,
        req: Request<pb::ListDepartmentsRequest>,
    ) -> Res<pb::ListDepartmentsResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let property_id = property(&caller, &r.property_id, "property_id")?;
        let mut v = Violations::new();
        let size = page_size(r.page_size, &mut v);
        let after = read_token(&r.page_token, &mut v).unwrap_or_default();
        check(v)?;
        let rows = store::list_departments(&self.db, &property_id, &after, size + 1)
            .await
            .map_err(Error::from)?;
        let (rows, next_page_token) = page(rows, size, |d| d.code.clone());
        Ok(Response::new(pb::ListDepartmentsResponse {
            departments: rows.iter().map(department_to_pb).collect(),
            next_page_token,
        }))
    }

    pub(super) async fn upsert_department(
        &self,
        req: Request<pb::UpsertDepartmentRequest>,
    ) -> Res<pb::UpsertDepartmentResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let d = r
            .department
            .ok_or_else(|| Status::from(Error::invalid("department", "required")))?;
        let d = self
            .masked_department(&caller, d, r.update_mask.as_ref())
            .await?;
        let d = department_from_pb(&d, now_micros());
        validate_department(&d).map_err(Error::from)?;
        property(&caller, &d.property_id, "department.property_id")?;
        let mut tx = self.db.pool().begin().await.map_err(Error::from)?;
        let mut v = Violations::new();
        for (field, id) in [
            ("department.head_staff_id", &d.head_staff_id),
            ("department.duty_manager_staff_id", &d.duty_manager_staff_id),
        ] {
            if !id.is_empty()
                && !store::staff_exists(&mut tx, &d.property_id, id)
                    .await
                    .map_err(Error::from)?
            {
                v.add(field, format!("no staff member {id} at this property"));
            }
        }
        check(v)?;
        let created = !store::department_exists(&mut tx, &d.property_id, &d.code)
            .await
            .map_err(Error::from)?;
        store::upsert_department(&mut tx, &d)
            .await
            .map_err(Error::from)?;
        tx.commit().await.map_err(Error::from)?;
        tracing::info!(property_id = %d.property_id, department = %d.code, created, "department saved");
        Ok(Response::new(pb::UpsertDepartmentResponse {
            department: Some(department_to_pb(&d)),
            created,
        }))
    }

    pub(super) async fn list_staff(
        &self,
        req: Request<pb::ListStaffRequest>,
    ) -> Res<pb::ListStaffResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let property_id = property(&caller, &r.property_id, "property_id")?;
        let mut v = Violations::new();
        let size = page_size(r.page_size, &mut v);
        let after = read_token(&r.page_token, &mut v).unwrap_or_default();
        check(v)?;
        let department = Some(r.department_code.trim()).filter(|d| !d.is_empty());
        let rows = store::list_staff(
            &self.db,
            &property_id,
            department,
            r.on_duty_only,
            &after,
            size + 1,
        )
        .await
        .map_err(Error::from)?;
        let (rows, next_page_token) = page(rows, size, |s| s.staff_id.clone());
        let local = self.local_now(&property_id).await?;
        Ok(Response::new(pb::ListStaffResponse {
            staff: rows.iter().map(|s| staff_to_pb_at(s, local)).collect(),
            next_page_token,
        }))
    }

    pub(super) async fn upsert_staff(
        &self,
        req: Request<pb::UpsertStaffRequest>,
    ) -> Res<pb::UpsertStaffResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let s = r
            .staff
            .ok_or_else(|| Status::from(Error::invalid("staff", "required")))?;
        let s = self
            .masked_staff(&caller, s, r.update_mask.as_ref())
            .await?;
        let (s, role_given) = staff_from_pb(&s, now_micros());
        let mut v = match validate_staff(&s) {
            Ok(()) => Violations::new(),
            Err(v) => v,
        };
        if !role_given {
            v.add("staff.role", "required: one of the STAFF_ROLE_* values");
        }
        check(v)?;
        property(&caller, &s.property_id, "staff.property_id")?;
        let mut tx = self.db.pool().begin().await.map_err(Error::from)?;
        if !store::department_exists(&mut tx, &s.property_id, &s.department_code)
            .await
            .map_err(Error::from)?
        {
            return Err(Error::invalid(
                "staff.department_code",
                format!("no department {} at this property", s.department_code),
            )
            .into());
        }
        let created = !store::staff_exists(&mut tx, &s.property_id, &s.staff_id)
            .await
            .map_err(Error::from)?;
        store::upsert_staff(&mut tx, &s)
            .await
            .map_err(Error::from)?;
        tx.commit().await.map_err(Error::from)?;
        tracing::info!(property_id = %s.property_id, staff_id = %s.staff_id, created, "staff saved");
        Ok(Response::new(pb::UpsertStaffResponse {
            staff: Some(staff_to_pb_at(&s, self.local_now(&s.property_id).await?)),
            created,
        }))
    }

    pub(super) async fn set_on_duty(
        &self,
        req: Request<pb::SetOnDutyRequest>,
    ) -> Res<pb::SetOnDutyResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let property_id = property(&caller, &r.property_id, "property_id")?;
        let staff_id = r.staff_id.trim();
        if staff_id.is_empty() {
            return Err(Error::invalid("staff_id", "required").into());
        }
        // Staff clock themselves in and out; supervisors may do it for them.
        if caller.subject != staff_id {
            caller.require_role(SUPERVISORS)?;
        }
        let staff = store::set_on_duty(&self.db, &property_id, staff_id, r.on_duty)
            .await
            .map_err(Error::from)?
            .ok_or_else(|| {
                Status::not_found(format!(
                    "no staff member {staff_id} at property {property_id}"
                ))
            })?;
        Ok(Response::new(pb::SetOnDutyResponse {
            staff: Some(staff_to_pb_at(&staff, self.local_now(&property_id).await?)),
        }))
    }

    pub(super) async fn list_partners(
        &self,
        req: Request<pb::ListPartnersRequest>,
    ) -> Res<pb::ListPartnersResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let property_id = property(&caller, &r.property_id, "property_id")?;
        let mut v = Violations::new();
        let size = page_size(r.page_size, &mut v);
        let after = read_token(&r.page_token, &mut v).unwrap_or_default();
        check(v)?;
        let rows = store::list_partners(&self.db, &property_id, &after, size + 1)
            .await
            .map_err(Error::from)?;
        let (rows, next_page_token) = page(rows, size, |p| p.partner_id.clone());
        Ok(Response::new(pb::ListPartnersResponse {
            partners: rows.iter().map(partner_to_pb).collect(),
            next_page_token,
        }))
    }

    pub(super) async fn upsert_partner(
        &self,
        req: Request<pb::UpsertPartnerRequest>,
    ) -> Res<pb::UpsertPartnerResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let p = r
            .partner
            .ok_or_else(|| Status::from(Error::invalid("partner", "required")))?;
        let p = self
            .masked_partner(&caller, p, r.update_mask.as_ref())
            .await?;
        let (p, kind_given) = partner_from_pb(&p, now_micros());
        let mut v = match validate_partner(&p) {
            Ok(()) => Violations::new(),
            Err(v) => v,
        };
        if !kind_given {
            v.add("partner.kind", "required: one of the PARTNER_KIND_* values");
        }
        check(v)?;
        property(&caller, &p.property_id, "partner.property_id")?;
        let mut tx = self.db.pool().begin().await.map_err(Error::from)?;
        let created = !store::partner_exists(&mut tx, &p.property_id, &p.partner_id)
            .await
            .map_err(Error::from)?;
        store::upsert_partner(&mut tx, &p)
            .await
            .map_err(Error::from)?;
        tx.commit().await.map_err(Error::from)?;
        Ok(Response::new(pb::UpsertPartnerResponse {
            partner: Some(partner_to_pb(&p)),
            created,
        }))
    }
}
