//! Process-wide caches of what is computed once per type: schemas, validators, targets.

use std::collections::HashMap;
use std::convert::Infallible;
use std::hash::Hash;
use std::sync::{OnceLock, RwLock};

use foldhash::fast::FixedState;

/// A map from a key (a `TypeId` with a variant tag) to a value built once and then shared.
///
/// Looked up on every request, so hashed with foldhash rather than SipHash: the keys are the
/// program's own types, nothing an outsider chooses.
pub(crate) struct TypeCache<K, V>(OnceLock<RwLock<HashMap<K, V, FixedState>>>);

impl<K: Eq + Hash, V: Clone> TypeCache<K, V> {
    /// An empty cache, for a `static`.
    pub(crate) const fn new() -> Self {
        Self(OnceLock::new())
    }

    /// The value cached for `key`, or `build`'s, cached.
    pub(crate) fn get_or_insert(&self, key: K, build: impl FnOnce() -> V) -> V {
        match self.get_or_try_insert(key, || Ok::<V, Infallible>(build())) {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// The value cached for `key`, or `build`'s, cached. The build runs outside the lock, since
    /// builds use other caches (a target needs its schema); when two threads race, the first
    /// value stored wins. A failed build is not cached.
    pub(crate) fn get_or_try_insert<E>(
        &self,
        key: K,
        build: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        let map = self.0.get_or_init(RwLock::default);
        if let Some(value) = map.read().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(value);
        }
        let value = build()?;
        match map.write() {
            Ok(mut m) => Ok(m.entry(key).or_insert(value).clone()),
            // A poisoned lock only loses the caching, not the value.
            Err(_) => Ok(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_built_once_and_a_failure_is_not_kept() {
        static CACHE: TypeCache<u8, u32> = TypeCache::new();
        assert_eq!(
            CACHE.get_or_try_insert(1, || Err::<u32, &str>("no")),
            Err("no")
        );
        assert_eq!(CACHE.get_or_insert(1, || 7), 7);
        assert_eq!(CACHE.get_or_insert(1, || unreachable!("built twice")), 7);
        assert_eq!(CACHE.get_or_try_insert(1, || Err::<u32, &str>("no")), Ok(7));
    }
}
