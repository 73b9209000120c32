//! Boxing: which fields must be boxed so that recursive types have a size.

use super::*;

impl<'a> Lowerer<'a> {
    /// Boxes the fields whose type directly contains (not through a Vec or map) the struct
    /// holding them, since such a cycle would give the struct an infinite size.
    pub(super) fn mark_boxes(&mut self) {
        let n = self.types.len();
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, t) in self.types.iter().enumerate() {
            if let Some(TypeDef { kind, .. }) = t {
                match kind {
                    TypeKind::Struct(s) => {
                        for f in &s.fields {
                            if let (Some(TypeId(j)), Some(out)) = (direct_target(&f.ty), edges.get_mut(i)) {
                                out.push(j);
                            }
                        }
                    }
                    TypeKind::Alias(ty) => {
                        if let (Some(TypeId(j)), Some(out)) = (direct_target(ty), edges.get_mut(i)) {
                            out.push(j);
                        }
                    }
                    // Union variants are boxed, so they never make a type infinitely large.
                    TypeKind::Enum(_) | TypeKind::Union(_) | TypeKind::Alternatives(_) => {}
                }
            }
        }
        let reaches = |from: usize, to: usize| -> bool {
            let mut seen = vec![false; n];
            let mut stack = vec![from];
            while let Some(x) = stack.pop() {
                if x == to {
                    return true;
                }
                match seen.get_mut(x) {
                    Some(s) if !*s => *s = true,
                    _ => continue,
                }
                stack.extend(edges.get(x).into_iter().flatten().copied());
            }
            false
        };
        let mut to_box: Vec<(usize, usize)> = Vec::new();
        for (i, t) in self.types.iter().enumerate() {
            if let Some(TypeDef { kind: TypeKind::Struct(s), .. }) = t {
                for (k, f) in s.fields.iter().enumerate() {
                    if let Some(TypeId(j)) = direct_target(&f.ty) {
                        if reaches(j, i) {
                            to_box.push((i, k));
                        }
                    }
                }
            }
        }
        for (i, k) in to_box {
            if let Some(Some(TypeDef { kind: TypeKind::Struct(s), .. })) = self.types.get_mut(i) {
                if let Some(f) = s.fields.get_mut(k) {
                    f.boxed = true;
                }
            }
        }
        for p in &mut self.patches {
            if let Some(Some(TypeDef { kind: TypeKind::Struct(s), .. })) = self.types.get(p.of.0) {
                for pf in &mut p.fields {
                    pf.boxed = s.fields.iter().any(|f| f.json_name == pf.json_name && f.boxed);
                }
            }
        }
    }
}
