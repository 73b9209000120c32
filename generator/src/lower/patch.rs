//! PATCH bodies: what a PATCH of a type may contain, each field able to say leave alone, clear or set.

use super::*;

impl<'a> Lowerer<'a> {
    /// The PATCH body for a struct: every field a client may change, each optional. The key `id`
    /// (it is in the URL), read-only and navigation properties are left out.
    pub(super) fn patch_for(&mut self, id: TypeId) -> usize {
        if let Some(i) = self.patch_of.get(&id) {
            return *i;
        }
        let odata = self.dialect == Dialect::OData;
        let Some(Some(def)) = self.types.get(id.0) else { return 0 };
        let TypeKind::Struct(s) = &def.kind else { return 0 };
        let fields = s
            .fields
            .iter()
            // `@odata.type` is written by the patch type itself.
            .filter(|f| !(f.read_only || f.navigation || (odata && s.is_entity && f.json_name == "id") || f.json_name == ODATA_TYPE))
            .map(|f| PatchField {
                rust_name: f.rust_name.clone(),
                json_name: f.json_name.clone(),
                doc: f.doc.clone(),
                ty: f.ty.clone(),
                nullable: f.nullable,
                boxed: false,
            })
            .collect();
        let name = names::dedupe(format!("{}Patch", def.name), &mut self.used_type_names, "");
        let type_tag = odata.then(|| (ODATA_TYPE.to_string(), s.odata_type.clone()));
        let patch = PatchDef { name, of: id, type_tag, fields };
        self.patches.push(patch);
        let index = self.patches.len() - 1;
        self.patch_of.insert(id, index);
        index
    }
}
