//! Each election's seed, from the batch's seed and the election's name.
//!
//! The construction is fixed and portable (it never uses std's `DefaultHasher`, whose
//! output may change between Rust releases): FNV-1a 64 over the 8 little-endian bytes
//! of the batch seed followed by the UTF-8 bytes of the name, then the SplitMix64
//! finaliser to spread the bits. The seed depends on nothing else, so an election's
//! report is the same whatever the manifest's order, the shard or the thread count.

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01B3;

/// The seed of the election `name` in a batch seeded with `seed`.
pub fn election_seed(seed: u64, name: &str) -> u64 {
    let hash = seed
        .to_le_bytes()
        .iter()
        .chain(name.as_bytes())
        .fold(FNV_OFFSET, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(FNV_PRIME)
        });
    crate::montecarlo::splitmix64(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Value stability: a change here changes every batch's reports.
    #[test]
    fn election_seed_is_value_stable() {
        // Reference values from an independent Python transcription of the definition:
        //   M=2**64
        //   def sm(z):
        //     z=(z+0x9E3779B97F4A7C15)%M; z=((z^(z>>30))*0xBF58476D1CE4E5B9)%M
        //     z=((z^(z>>27))*0x94D049BB133111EB)%M; return z^(z>>31)
        //   def fnv(bs):
        //     h=0xcbf29ce484222325
        //     for b in bs: h=((h^b)*0x100000001B3)%M
        //     return h
        //   sm(0); sm(fnv((42).to_bytes(8,'little')+b'poland-2020'))
        assert_eq!(crate::montecarlo::splitmix64(0), 0xE220_A839_7B1D_CDAF);
        assert_eq!(election_seed(42, "poland-2020"), 12_580_849_502_985_563_609);
        assert_eq!(election_seed(7, "Łódź"), 8_264_517_880_007_692_301);
        assert_eq!(election_seed(42, "a"), election_seed(42, "a"));
        assert_ne!(election_seed(42, "a"), election_seed(42, "b"));
        assert_ne!(election_seed(42, "a"), election_seed(43, "a"));
    }
}
