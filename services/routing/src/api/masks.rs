//! AIP-134 update masks on the Upsert RPCs: with paths, an existing record changes only in
//! the named fields; the rest keep their stored values (a client that knows two fields does
//! not wipe the others). Merged on the messages, so validation sees the record as it will be.

use super::*;
use prost_types::FieldMask;

/// Copies the named fields of `$given` onto `$stored`; an unknown or read-only path is a
/// violation naming its index and the fields that can be updated.
macro_rules! merge {
    ($stored:expr, $given:expr, $paths:expr, $v:expr, $what:literal, [$($f:ident),+ $(,)?]) => {{
        for (i, path) in $paths.iter().enumerate() {
            match path.as_str() {
                $(stringify!($f) => $stored.$f = $given.$f.clone(),)+
                other => $v.add(
                    format!("update_mask.paths[{i}]"),
                    format!(
                        "{other:?} is not an updatable field of a {}; one of: {}",
                        $what,
                        [$(stringify!($f)),+].join(", ")
                    ),
                ),
            }
        }
    }};
}

fn paths(mask: Option<&FieldMask>) -> &[String] {
    mask.map_or(&[], |m| m.paths.as_slice())
}

impl RoutingApi {
    pub(super) async fn masked_department(
        &self,
        caller: &Caller,
        given: pb::Department,
        mask: Option<&FieldMask>,
    ) -> Result<pb::Department, Status> {
        let paths = paths(mask);
        // Another property's record is never read; the handler refuses the call after.
        if paths.is_empty() || !caller.can_access(given.property_id.trim()) {
            return Ok(given);
        }
        let mut conn = self.db.pool().acquire().await.map_err(Error::from)?;
        let Some(stored) =
            store::get_department(&mut conn, given.property_id.trim(), given.code.trim())
                .await
                .map_err(Error::from)?
        else {
            return Ok(given);
        };
        let mut merged = department_to_pb(&stored);
        let mut v = Violations::new();
        merge!(
            merged,
            given,
            paths,
            v,
            "department",
            [
                name_zh,
                name_en,
                head_staff_id,
                duty_manager_staff_id,
                email,
                phone,
            ]
        );
        check(v)?;
        Ok(merged)
    }

    pub(super) async fn masked_staff(
        &self,
        caller: &Caller,
        given: pb::Staff,
        mask: Option<&FieldMask>,
    ) -> Result<pb::Staff, Status> {
        let paths = paths(mask);
        // Another property's record is never read; the handler refuses the call after.
        if paths.is_empty() || !caller.can_access(given.property_id.trim()) {
            return Ok(given);
        }
        let mut conn = self.db.pool().acquire().await.map_err(Error::from)?;
        let Some(stored) =
            store::get_staff(&mut conn, given.property_id.trim(), given.staff_id.trim())
                .await
                .map_err(Error::from)?
        else {
            return Ok(given);
        };
        let mut merged = crate::convert::staff_to_pb(&stored);
        let mut v = Violations::new();
        merge!(
            merged,
            given,
            paths,
            v,
            "staff member",
            [
                name,
                department_code,
                role,
                languages,
                skills,
                capacity,
                on_duty,
                shifts,
            ]
        );
        check(v)?;
        Ok(merged)
    }

    pub(super) async fn masked_partner(
        &self,
        caller: &Caller,
        given: pb::Partner,
        mask: Option<&FieldMask>,
    ) -> Result<pb::Partner, Status> {
        let paths = paths(mask);
        // Another property's record is never read; the handler refuses the call after.
        if paths.is_empty() || !caller.can_access(given.property_id.trim()) {
            return Ok(given);
        }
        let mut conn = self.db.pool().acquire().await.map_err(Error::from)?;
        let Some(stored) =
            store::get_partner(&mut conn, given.property_id.trim(), given.partner_id.trim())
                .await
                .map_err(Error::from)?
        else {
            return Ok(given);
        };
        let mut merged = partner_to_pb(&stored);
        let mut v = Violations::new();
        merge!(
            merged,
            given,
            paths,
            v,
            "partner",
            [kind, name, contact_name, phone, email, handles,]
        );
        check(v)?;
        Ok(merged)
    }
}
