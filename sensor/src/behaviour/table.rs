//! A bounded map for per-entity state: at its capacity the entries idle longest are evicted in
//! a batch (an eighth of the map, found by selection, so eviction costs O(1) amortised per
//! insert) and counted. Time is packet time (seconds).

use std::borrow::Borrow;
use std::hash::{BuildHasher, Hash};

use hashbrown::hash_table::Entry;
use hashbrown::{DefaultHashBuilder, HashTable};

/// Per-entity state kept by a detection.
pub struct Bounded<K, V> {
    /// (key, last use, state). A table rather than a map: one hash and one probe per use,
    /// and a key is only built (cloned, boxed) when it is new.
    table: HashTable<(K, u64, V)>,
    hasher: DefaultHashBuilder,
    cap: usize,
    /// Entries dropped to stay within `cap`.
    pub evicted: u64,
    scratch: Vec<u64>,
}

impl<K: Hash + Eq + Clone, V> Bounded<K, V> {
    pub fn new(cap: usize) -> Bounded<K, V> {
        Bounded {
            table: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
            cap: cap.max(8),
            evicted: 0,
            scratch: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// The entry for `key`, created by `make` (evicting first if full); its last use is `now`.
    pub fn entry(&mut self, key: &K, now: u64, make: impl FnOnce() -> V) -> &mut V {
        self.entry_by(key, K::clone, now, make)
    }

    /// As `entry`, looked up by a borrowed form of the key; `own` builds the key when new.
    pub fn entry_by<Q: Hash + Eq + ?Sized>(
        &mut self,
        key: &Q,
        own: impl FnOnce(&Q) -> K,
        now: u64,
        make: impl FnOnce() -> V,
    ) -> &mut V
    where
        K: Borrow<Q>,
    {
        let hash = self.hasher.hash_one(key);
        let eq = |e: &(K, u64, V)| e.0.borrow() == key;
        if self.table.len() >= self.cap && self.table.find(hash, eq).is_none() {
            self.evict();
        }
        let hasher = &self.hasher;
        let e = match self.table.entry(hash, eq, |e| hasher.hash_one(&e.0)) {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => v.insert((own(key), now, make())).into_mut(),
        };
        e.1 = e.1.max(now);
        &mut e.2
    }

    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        let hash = self.hasher.hash_one(key);
        self.table.find_mut(hash, |e| e.0 == *key).map(|e| &mut e.2)
    }

    pub fn get(&self, key: &K) -> Option<&V> {
        let hash = self.hasher.hash_one(key);
        self.table.find(hash, |e| e.0 == *key).map(|e| &e.2)
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        let hash = self.hasher.hash_one(key);
        match self.table.find_entry(hash, |e| e.0 == *key) {
            Ok(o) => Some(o.remove().0 .2),
            Err(_) => None,
        }
    }

    /// Drops entries not used since `before`.
    pub fn expire(&mut self, before: u64) {
        self.table.retain(|e| e.1 >= before);
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> {
        self.table.iter_mut().map(|e| (&e.0, &mut e.2))
    }

    fn evict(&mut self) {
        let n = (self.cap / 8).max(1);
        self.scratch.clear();
        self.scratch.extend(self.table.iter().map(|e| e.1));
        let idx = n.min(self.scratch.len()) - 1;
        let (_, cut, _) = self.scratch.select_nth_unstable(idx);
        let cut = *cut;
        let before = self.table.len();
        let mut left = n;
        self.table.retain(|e| {
            if e.1 <= cut && left > 0 {
                left -= 1;
                false
            } else {
                true
            }
        });
        self.evicted += (before - self.table.len()) as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_within_capacity_under_a_flood_and_counts() {
        let mut m: Bounded<u32, [u8; 16]> = Bounded::new(1000);
        for i in 0..100_000u32 {
            m.entry(&i, i as u64, || [0; 16]);
            assert!(m.len() <= 1000);
        }
        assert!(m.evicted >= 99_000);
        // The newest survive.
        assert!(m.get(&99_999).is_some());
        assert!(m.get(&0).is_none());
    }

    #[test]
    fn keeps_recently_used_entries() {
        let mut m: Bounded<u32, u32> = Bounded::new(16);
        m.entry(&1, 0, || 7);
        for i in 100..200u32 {
            // Key 1 stays in use.
            m.entry(&1, i as u64, || 7);
            m.entry(&i, i as u64, || 0);
        }
        assert_eq!(m.get(&1), Some(&7));
    }
}
