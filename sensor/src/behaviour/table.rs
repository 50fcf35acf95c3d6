//! A bounded map for per-entity state: at its capacity the entries idle longest are evicted in
//! a batch (an eighth of the map, found by selection, so eviction costs O(1) amortised per
//! insert) and counted. Time is packet time (seconds).

use std::hash::Hash;

use hashbrown::HashMap;

/// Per-entity state kept by a detection.
pub struct Bounded<K, V> {
    map: HashMap<K, (u64, V)>,
    cap: usize,
    /// Entries dropped to stay within `cap`.
    pub evicted: u64,
    scratch: Vec<u64>,
}

impl<K: Hash + Eq + Clone, V> Bounded<K, V> {
    pub fn new(cap: usize) -> Bounded<K, V> {
        Bounded {
            map: HashMap::new(),
            cap: cap.max(8),
            evicted: 0,
            scratch: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// The entry for `key`, created by `make` (evicting first if full); its last use is `now`.
    pub fn entry(&mut self, key: &K, now: u64, make: impl FnOnce() -> V) -> &mut V {
        if !self.map.contains_key(key) {
            if self.map.len() >= self.cap {
                self.evict();
            }
            self.map.insert(key.clone(), (now, make()));
        }
        let e = self.map.get_mut(key).expect("present");
        e.0 = e.0.max(now);
        &mut e.1
    }

    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.map.get_mut(key).map(|e| &mut e.1)
    }

    pub fn get(&self, key: &K) -> Option<&V> {
        self.map.get(key).map(|e| &e.1)
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        self.map.remove(key).map(|e| e.1)
    }

    /// Drops entries not used since `before`.
    pub fn expire(&mut self, before: u64) {
        self.map.retain(|_, (t, _)| *t >= before);
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> {
        self.map.iter_mut().map(|(k, (_, v))| (k, v))
    }

    fn evict(&mut self) {
        let n = (self.cap / 8).max(1);
        self.scratch.clear();
        self.scratch.extend(self.map.values().map(|(t, _)| *t));
        let idx = n.min(self.scratch.len()) - 1;
        let (_, cut, _) = self.scratch.select_nth_unstable(idx);
        let cut = *cut;
        let before = self.map.len();
        let mut left = n;
        self.map.retain(|_, (t, _)| {
            if *t <= cut && left > 0 {
                left -= 1;
                false
            } else {
                true
            }
        });
        self.evicted += (before - self.map.len()) as u64;
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
