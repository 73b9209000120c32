//! OData's `@odata.count`.

/// `@odata.count` from a page's map of undeclared members, where it lands when the description
/// does not declare it.
pub fn odata_count(members: &crate::objects::UnknownMembers) -> Option<i64> {
    members.get("@odata.count").and_then(|raw| serde_json::from_str(raw.get()).ok())
}
