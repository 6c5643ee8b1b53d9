//! Statistical building blocks shared by the checks.

pub mod adjust;
pub mod anomaly;
pub mod binomial;
pub mod digits;
pub mod dip;
pub mod format;
pub mod goodness;
pub mod integer;
pub mod logit_normal;
pub mod quantile;
pub mod smooth;
pub mod tails;

pub use adjust::{benjamini_hochberg, holm};
pub use binomial::binom_test_two_sided;
pub use goodness::{cramers_v, pearson_chi2};
pub use tails::{chi2_sf, normal_quantile, normal_sf, normal_two_sided_p};
