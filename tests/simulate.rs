//! The seeded election simulator: determinism, calibration of the national figures,
//! consistency of every station, the planted irregularities, and the sample in data/.

use elaudit::data::{LoadOptions, load_reader};
use elaudit::simulate::{
    ElectionSpec, Fraud, Localities, Planted, Shape, Simulated, SizeModel, Subpopulation,
    default_candidate_names, kz2022, simulate, truth_json, write_csv,
};

fn csv_bytes(sim: &Simulated) -> Vec<u8> {
    let mut out = Vec::new();
    write_csv(&sim.dataset, &mut out).expect("writing to memory");
    out
}

fn share(a: u64, b: u64) -> f64 {
    a as f64 / b as f64
}

fn all_fraud() -> Fraud {
    Fraud {
        invented_counts: 0.1,
        integer_percent: 0.1,
        incremental: 0.2,
        extreme: 0.05,
        theta: 0.15,
        steal_exponent: 1.0,
        ..Fraud::default()
    }
}

fn assert_consistent(sim: &Simulated) {
    let d = &sim.dataset;
    for (i, s) in d.stations.iter().enumerate() {
        let sum: u64 = d.votes_of(i).iter().map(|&v| u64::from(v)).sum();
        let id = d.id(i);
        assert_eq!(sum, u64::from(s.valid), "station {id}");
        assert_eq!(s.valid + s.invalid, s.ballots, "station {id}");
        assert!(s.ballots <= s.registered.unwrap_or(0), "station {id}");
    }
}

#[test]
fn same_seed_gives_the_same_election_at_any_thread_count() {
    let spec = ElectionSpec {
        fraud: all_fraud(),
        ..ElectionSpec::clean(10_000)
    };
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool")
            .install(|| simulate(&spec, 7))
    };
    let (one, two) = (run(1), run(2));
    assert_eq!(csv_bytes(&one), csv_bytes(&two));
    assert_eq!(one.truth, two.truth);
    assert_eq!(one.truth.planted, two.truth.planted);
    let other = simulate(&spec, 8);
    assert_ne!(csv_bytes(&one), csv_bytes(&other));
}

/// Value stability: the first station of a fixed spec and seed must never change, or
/// old simulations stop reproducing.
#[test]
fn simulation_is_value_stable() {
    let sim = simulate(&ElectionSpec::clean(3), 42);
    let text = String::from_utf8(csv_bytes(&sim)).expect("utf-8");
    let first = text.lines().nth(1).expect("a row");
    assert_eq!(first, STABLE_FIRST_ROW);
}
const STABLE_FIRST_ROW: &str = "S000001,R01,996,615,599,16,282,190,80,47";

#[test]
fn national_figures_land_on_the_targets() {
    // Strong regional differences, noisy stations and many candidates.
    let spec = ElectionSpec {
        regions: 25,
        turnout: 0.55,
        turnout_sd: 0.6,
        region_sd: 0.5,
        shares: vec![0.38, 0.22, 0.15, 0.1, 0.07, 0.05, 0.02, 0.01],
        share_sd: 0.6,
        candidate_names: (1..=8).map(|i| format!("C{i}")).collect(),
        ..ElectionSpec::clean(200_000)
    };
    for seed in [1, 2] {
        let t = simulate(&spec, seed).truth.totals;
        let turnout = t.turnout.expect("registered voters");
        assert!((turnout - 0.55).abs() < 0.002, "turnout {turnout}");
        for (v, want) in t.votes.iter().zip(&spec.shares) {
            let got = share(*v, t.valid);
            assert!((got - want).abs() < 0.002, "share {got} vs {want}");
        }
        let invalid = share(t.invalid, t.ballots);
        assert!((invalid - 0.02).abs() < 0.001, "invalid {invalid}");
    }
}

#[test]
fn every_station_adds_up_with_and_without_irregularities() {
    assert_consistent(&simulate(&ElectionSpec::clean(20_000), 3));
    let spec = ElectionSpec {
        fraud: all_fraud(),
        ..ElectionSpec::clean(20_000)
    };
    assert_consistent(&simulate(&spec, 3));
    // Small stations and near-full turnout push the invented counts against the registered.
    let spec = ElectionSpec {
        size: SizeModel::LogNormal {
            median: 60.0,
            sigma: 0.5,
        },
        turnout: 0.95,
        fraud: Fraud {
            invented_counts: 1.0,
            ..all_fraud()
        },
        ..ElectionSpec::clean(20_000)
    };
    assert_consistent(&simulate(&spec, 4));
}

#[test]
fn dataset_is_filled_like_a_loaded_file() {
    let sim = simulate(&ElectionSpec::clean(5000), 5);
    let d = &sim.dataset;
    assert_eq!(d.stations.len(), 5000);
    assert_eq!(d.source.rows, 5000);
    assert_eq!(d.source.path, "simulated");
    assert!(d.roles.registered && d.roles.ballots && d.roles.valid && d.roles.invalid);
    assert_eq!(
        d.candidates,
        ["Candidate A", "Candidate B", "Candidate C", "Candidate D"]
    );
    assert_eq!(d.regions.len(), 10);
    assert_eq!(d.regions[0], "R01");
    assert_eq!(d.regions[9], "R10");
    assert_eq!(d.id(0), "S000001");
    assert_eq!(d.id(4999), "S005000");
    assert_eq!(d.stations[4999].line, 5001);
    assert_eq!(d.stations[0].region.get(), Some(0));
    assert_eq!(d.stations[4999].region.get(), Some(9));
    assert_eq!(d.votes.len(), 5000 * 4);
    assert!(d.on_ballot.iter().all(|b| *b));
    assert_eq!(d.columns.len(), 10);
    assert_eq!(d.columns[0].role, "id");
    assert_eq!(d.columns[9].role, "candidate");
    let totals = d.candidate_totals();
    let best = (0..4).max_by_key(|&j| totals[j]).expect("candidates");
    assert_eq!(d.winner, best);
    assert_eq!(sim.truth.totals.votes, totals);
    assert_eq!(sim.truth.totals.winner, d.candidates[best]);
}

#[test]
fn the_csv_reads_back_without_flags() {
    let spec = ElectionSpec {
        candidate_names: vec![
            "Smith, John".into(),
            "B \"the\" C".into(),
            "Against all".into(),
            "D".into(),
        ],
        ..ElectionSpec::clean(500)
    };
    let sim = simulate(&spec, 6);
    let bytes = csv_bytes(&sim);
    let header = String::from_utf8_lossy(&bytes);
    let header = header.lines().next().expect("header");
    assert_eq!(
        header,
        "station,region,registered,ballots,valid,invalid,\"Smith, John\",\"B \"\"the\"\" C\",Against all,D"
    );
    let back = load_reader("sim.csv", &bytes[..], &LoadOptions::default()).expect("loads");
    assert_eq!(back.candidates, sim.dataset.candidates);
    assert_eq!(back.stations, sim.dataset.stations);
    assert_eq!(back.votes, sim.dataset.votes);
    assert_eq!(back.regions, sim.dataset.regions);
}

#[test]
fn fixed_sizes_are_used_in_order_and_repeated() {
    let spec = ElectionSpec {
        size: SizeModel::Fixed(vec![100, 2000, 30]),
        ..ElectionSpec::clean(7)
    };
    let sim = simulate(&spec, 1);
    let sizes: Vec<u32> = sim
        .dataset
        .stations
        .iter()
        .map(|s| s.registered.expect("registered"))
        .collect();
    assert_eq!(sizes, [100, 2000, 30, 100, 2000, 30, 100]);
}

#[test]
fn fair_part_is_the_same_with_irregularities_planted() {
    let clean = simulate(&ElectionSpec::clean(8000), 9);
    let spec = ElectionSpec {
        fraud: all_fraud(),
        ..ElectionSpec::clean(8000)
    };
    let rigged = simulate(&spec, 9);
    let planted = &rigged.truth.planted;
    assert_eq!(planted.len(), 8000);
    let mut untouched = 0;
    for (i, p) in planted.iter().enumerate() {
        if !p.any() {
            untouched += 1;
            assert_eq!(clean.dataset.stations[i], rigged.dataset.stations[i]);
            assert_eq!(clean.dataset.votes_of(i), rigged.dataset.votes_of(i));
        }
    }
    assert_eq!(8000 - untouched, rigged.truth.fraud.fraudulent_stations);
    assert_eq!(rigged.truth.fair.ballots, clean.truth.totals.ballots);
    assert_eq!(rigged.truth.fair.votes, clean.truth.totals.votes);
    let f = &rigged.truth.fraud;
    assert_eq!(
        rigged.truth.totals.ballots as i64 - clean.truth.totals.ballots as i64,
        f.ballots_added
    );
}

#[test]
fn ballot_stuffing_follows_klimek_and_is_recorded() {
    let spec = ElectionSpec {
        fraud: Fraud {
            incremental: 0.3,
            extreme: 0.05,
            theta: 0.15,
            steal_exponent: 1.0,
            ..Fraud::default()
        },
        ..ElectionSpec::clean(40_000)
    };
    let sim = simulate(&spec, 10);
    let f = &sim.truth.fraud;
    let n = 40_000.0;
    // Binomial counts of stations: sd √(n p q) = 92 and 44.
    assert!((f.incremental.stations as f64 - 0.3 * n).abs() < 500.0);
    assert!((f.extreme.stations as f64 - 0.05 * n).abs() < 250.0);
    assert_eq!(
        f.fraudulent_stations,
        f.incremental.stations + f.extreme.stations
    );
    assert_eq!(f.integer_percent.stations + f.invented_counts.stations, 0);
    let added = f.incremental.ballots_added + f.extreme.ballots_added;
    assert_eq!(added, f.ballots_added);
    assert_eq!(
        sim.truth.totals.ballots - sim.truth.fair.ballots,
        added as u64
    );
    // Every moved or added vote went to the first candidate.
    let w = sim.truth.totals.votes[0] - sim.truth.fair.votes[0];
    assert_eq!(w, added as u64 + f.votes_moved);
    // Extreme fraud: turnout 1 − x(1 − a) away from 100% with x = 1 − |N(0, 0.075)|,
    // so nearly every such station is above 90%.
    let d = &sim.dataset;
    let (mut high, mut total) = (0, 0);
    for (s, p) in d.stations.iter().zip(&sim.truth.planted) {
        if p.has(Planted::EXTREME) {
            total += 1;
            high += usize::from(s.turnout().unwrap_or(0.0) > 0.9);
        }
    }
    assert_eq!(total as u64, f.extreme.stations);
    assert!(high as f64 > 0.95 * total as f64, "{high} of {total}");
    // Incremental fraud with θ = 0.15: mean x = 0.15·√(2/π) = 0.12 of the non-voters,
    // who are 40% of the registered here: about 4.8% of a station's voters added.
    let per_station = f.incremental.ballots_added as f64 / f.incremental.stations as f64;
    let mean_size = sim.truth.totals.registered as f64 / n;
    let rel = per_station / mean_size;
    assert!((0.035..0.06).contains(&rel), "{rel}");
}

#[test]
fn integer_percent_stations_land_on_whole_percentages() {
    let spec = ElectionSpec {
        fraud: Fraud {
            integer_percent: 0.2,
            ..Fraud::default()
        },
        ..ElectionSpec::clean(10_000)
    };
    let sim = simulate(&spec, 11);
    let d = &sim.dataset;
    let (mut rigged, mut fives) = (0, 0);
    for (i, (s, p)) in d.stations.iter().zip(&sim.truth.planted).enumerate() {
        if !p.has(Planted::INTEGER_PERCENT) {
            continue;
        }
        rigged += 1;
        let r = s.registered.unwrap_or(0);
        let turnout = 100.0 * s.ballots as f64 / r as f64;
        assert!((turnout - turnout.round()).abs() <= 50.0 / r as f64 + 1e-9);
        let w = d.votes_of(i)[0];
        let share = 100.0 * w as f64 / s.valid as f64;
        assert!((share - share.round()).abs() <= 50.0 / s.valid as f64 + 1e-9);
        fives += usize::from(turnout.round() as u64 % 5 == 0);
    }
    assert_eq!(rigged as u64, sim.truth.fraud.integer_percent.stations);
    // Half go to the next multiple of 5, the rest to the next whole percent (1 in 5 of
    // which is one): 60% expected.
    let f = fives as f64 / rigged as f64;
    assert!((0.55..0.65).contains(&f), "{f}");
}

#[test]
fn invented_counts_prefer_zero_and_five() {
    let spec = ElectionSpec {
        fraud: Fraud {
            invented_counts: 0.15,
            ..Fraud::default()
        },
        ..ElectionSpec::clean(10_000)
    };
    let sim = simulate(&spec, 12);
    let d = &sim.dataset;
    let (mut planted, mut clean) = ((0usize, 0usize), (0usize, 0usize));
    for (i, p) in sim.truth.planted.iter().enumerate() {
        let t = if p.has(Planted::INVENTED_COUNTS) {
            &mut planted
        } else {
            &mut clean
        };
        for v in d.votes_of(i) {
            t.0 += usize::from(v % 5 == 0);
            t.1 += 1;
        }
    }
    let p = planted.0 as f64 / planted.1 as f64;
    let c = clean.0 as f64 / clean.1 as f64;
    assert!((p - 0.45).abs() < 0.03, "planted {p}");
    assert!((c - 0.2).abs() < 0.02, "clean {c}");
}

#[test]
fn validate_names_each_bad_field() {
    assert!(ElectionSpec::clean(100).validate().is_ok());
    assert!(kz2022().validate().is_ok());
    let bad = ElectionSpec {
        regions: 0,
        turnout: 1.2,
        shares: vec![0.5, 0.3],
        candidate_names: vec!["A".into(), "ballots".into(), "C".into()],
        invalid_rate: -0.1,
        fraud: Fraud {
            extreme: 0.7,
            incremental: 0.5,
            steal_exponent: 0.0,
            ..Fraud::default()
        },
        ..ElectionSpec::clean(100)
    };
    let err = bad.validate().expect_err("invalid");
    let text = err.to_string();
    for field in [
        "regions:",
        "turnout:",
        "shares: must sum to 1",
        "candidate_names: 3 names for 2 shares",
        "candidate_names: 'ballots'",
        "invalid_rate:",
        "fraud.incremental + fraud.extreme",
        "fraud.steal_exponent",
    ] {
        assert!(text.contains(field), "{field} missing from: {text}");
    }
    let dup = ElectionSpec {
        candidate_names: vec!["A".into(), "B".into(), "A".into(), "D".into()],
        ..ElectionSpec::clean(10)
    };
    assert!(
        dup.validate()
            .expect_err("dup")
            .to_string()
            .contains("appears twice")
    );
}

#[test]
fn simulate_never_panics_on_a_bad_spec() {
    let bad = ElectionSpec {
        stations: 50,
        regions: 0,
        size: SizeModel::Fixed(Vec::new()),
        turnout: f64::NAN,
        turnout_sd: -1.0,
        region_sd: f64::INFINITY,
        shares: vec![],
        share_sd: f64::NAN,
        invalid_rate: 2.0,
        candidate_names: vec![],
        localities: Localities {
            per_region: 3,
            sd: f64::NAN,
        },
        heterogeneity: Default::default(),
        fraud: Fraud {
            invented_counts: 5.0,
            integer_percent: -1.0,
            incremental: 0.9,
            extreme: 0.9,
            theta: f64::NAN,
            steal_exponent: -3.0,
            coercion_share: 7.0,
            coercion_abstainers: f64::NAN,
            coercion_others: -1.0,
        },
    };
    let sim = simulate(&bad, 1);
    assert_eq!(sim.dataset.stations.len(), 50);
    assert_consistent(&sim);
    let empty = simulate(&ElectionSpec::clean(0), 1);
    assert!(empty.dataset.stations.is_empty());
    assert_eq!(empty.truth.totals.turnout, None);
    serde_json::to_string(&empty.truth).expect("truth serialises without NaN");
}

#[test]
fn truth_serialises_with_the_fraud_totals() {
    let spec = ElectionSpec {
        fraud: all_fraud(),
        size: SizeModel::Fixed(vec![500; 1000]),
        ..ElectionSpec::clean(1000)
    };
    let sim = simulate(&spec, 13);
    let json: serde_json::Value = serde_json::to_value(&sim.truth).expect("serialises");
    assert_eq!(json["seed"], 13);
    assert_eq!(json["spec"]["size"]["model"], "fixed");
    assert_eq!(json["spec"]["size"]["total"], 500_000);
    assert!(json["fraud"]["ballots_added"].as_i64().expect("number") > 0);
    assert!(
        json["fraud"]["extreme"]["stations"]
            .as_u64()
            .expect("number")
            > 0
    );
    assert!(json.get("planted").is_none());
}

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/kz2022-sim.csv");

/// The committed sample is `simulate(&kz2022(), 2022)`, byte for byte, and matches the
/// official aggregates it was shaped on (CEC of Kazakhstan, 20 November 2022).
#[test]
fn sample_data_regenerates_byte_identically_and_matches_the_targets() {
    let Ok(committed) = std::fs::read(SAMPLE) else {
        eprintln!("skipped: {SAMPLE} is absent");
        return;
    };
    let sim = simulate(&kz2022(), 2022);
    assert!(
        csv_bytes(&sim) == committed,
        "data/kz2022-sim.csv differs from the generator's output: regenerate it with `cargo run --release --example make_sample -- data/kz2022-sim.csv`"
    );
    let t = &sim.truth.totals;
    assert_eq!(t.stations, 10_000);
    assert!(
        (11_500_000..12_500_000).contains(&t.registered),
        "{}",
        t.registered
    );
    let close = |got: f64, want: f64, what: &str| {
        assert!(
            (100.0 * got - want).abs() < 0.1,
            "{what}: {:.3}% vs {want}%",
            100.0 * got
        );
    };
    close(t.turnout.expect("turnout"), 69.44, "turnout");
    close(share(t.votes[0], t.valid), 81.31, "winner");
    close(share(t.votes[6], t.valid), 5.8, "against all");
    let others: u64 = t.votes[1..6].iter().sum();
    close(share(others, t.valid), 12.89, "five others");
    assert_eq!(t.winner, "Candidate A");
    assert_eq!(sim.dataset.regions.len(), 20);
}

const STUFFED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/kz2022-stuffed.csv");
const STUFFED_TRUTH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/kz2022-stuffed.truth.json"
);

/// `elaudit simulate --preset kz2022 --seed 2022 --incremental 0.3 --extreme 0.03`.
fn kz2022_stuffed() -> ElectionSpec {
    ElectionSpec {
        fraud: Fraud {
            incremental: 0.3,
            extreme: 0.03,
            ..Fraud::default()
        },
        ..kz2022()
    }
}

/// The committed stuffed sample and its truth are the generator's output, byte for byte,
/// and every station the stuffing left alone is the clean sample's row.
#[test]
fn stuffed_sample_regenerates_byte_identically_and_keeps_the_fair_part() {
    let (Ok(csv), Ok(truth), Ok(clean_csv)) = (
        std::fs::read(STUFFED),
        std::fs::read_to_string(STUFFED_TRUTH),
        std::fs::read_to_string(SAMPLE),
    ) else {
        eprintln!("skipped: {STUFFED}, {STUFFED_TRUTH} or {SAMPLE} is absent");
        return;
    };
    let sim = simulate(&kz2022_stuffed(), 2022);
    let regenerate = "regenerate them with `cargo run --release -- simulate --preset kz2022 \
        --seed 2022 --incremental 0.3 --extreme 0.03 --output data/kz2022-stuffed.csv \
        --truth data/kz2022-stuffed.truth.json`";
    assert!(
        csv_bytes(&sim) == csv,
        "data/kz2022-stuffed.csv differs from the generator's output: {regenerate}"
    );
    assert!(
        truth_json(&sim.truth) == truth,
        "data/kz2022-stuffed.truth.json differs from the generator's output: {regenerate}"
    );
    let t = &sim.truth;
    assert_eq!(t.spec.fraud.theta, 0.15);
    assert_eq!(t.spec.fraud.steal_exponent, 1.0);
    let f = &t.fraud;
    assert!(f.ballots_added > 0 && f.votes_moved > 0, "{f:?}");
    assert!(
        f.incremental.stations > 0 && f.extreme.stations > 0,
        "{f:?}"
    );
    assert_eq!(f.integer_percent.stations + f.invented_counts.stations, 0);
    assert_eq!(t.totals.ballots - t.fair.ballots, f.ballots_added as u64);

    // The fair part is the clean sample: the same electorate, and the same row wherever
    // nothing was planted. A planted station's row may still match when its draw of
    // stuffing was zero ballots.
    let clean = simulate(&kz2022(), 2022);
    assert_eq!(t.fair.ballots, clean.truth.totals.ballots);
    assert_eq!(t.fair.votes, clean.truth.totals.votes);
    assert_eq!(t.totals.registered, clean.truth.totals.registered);
    let text = String::from_utf8(csv).expect("utf-8");
    let (mut rows, mut changed) = (0, 0);
    for (i, (a, b)) in text.lines().zip(clean_csv.lines()).enumerate() {
        rows += 1;
        let planted = i > 0 && t.planted[i - 1].any();
        if a != b {
            changed += 1;
            assert!(
                planted,
                "line {} changed but nothing was planted there",
                i + 1
            );
            // The station, its region and its electorate never change.
            let key = |l: &str| l.split(',').take(3).collect::<Vec<_>>().join(",");
            assert_eq!(key(a), key(b), "line {}", i + 1);
        } else if i > 0 {
            assert!(
                !planted || t.planted[i - 1] == Planted(Planted::INCREMENTAL),
                "line {}: extreme stuffing always adds ballots",
                i + 1
            );
        }
    }
    assert_eq!(rows, 10_001);
    assert!(changed as u64 <= f.fraudulent_stations);
    assert!(changed as u64 >= f.extreme.stations, "{changed}");
}

#[test]
fn validation_problems_name_their_fields() {
    let bad = ElectionSpec {
        turnout_sd: -1.0,
        size: SizeModel::LogNormal {
            median: 0.0,
            sigma: 1.0,
        },
        fraud: Fraud {
            incremental: 0.2,
            theta: 0.0,
            ..Fraud::default()
        },
        ..ElectionSpec::clean(10)
    };
    let fields: Vec<&str> = bad
        .validate()
        .expect_err("invalid")
        .problems
        .iter()
        .map(|p| p.field)
        .collect();
    assert_eq!(fields, ["size.median", "turnout_sd", "fraud.theta"]);
    let too_many = ElectionSpec::clean(elaudit::simulate::MAX_STATIONS + 1);
    let err = too_many.validate().expect_err("too many stations");
    assert_eq!(err.problems[0].field, "stations");
}

#[test]
fn default_candidate_names_run_through_the_alphabet_and_beyond() {
    let names = default_candidate_names(55);
    assert_eq!(names[0], "Candidate A");
    assert_eq!(names[25], "Candidate Z");
    assert_eq!(names[26], "Candidate AA");
    assert_eq!(names[51], "Candidate AZ");
    assert_eq!(names[52], "Candidate BA");
    assert_eq!(ElectionSpec::clean(1).candidate_names, names[..4]);
    // Names filled in for a spec that has too few stay unique.
    let spec = ElectionSpec {
        shares: vec![0.25; 4],
        candidate_names: vec!["Candidate A".into()],
        ..ElectionSpec::clean(10)
    };
    assert_eq!(
        simulate(&spec, 1).dataset.candidates,
        default_candidate_names(4)
    );
}

/// Coercion hits only each region's smallest third, adds no ballot beyond a voter, and the
/// truth adds up: the winner gains the abstainers made to vote plus the voters switched.
#[test]
fn coercion_moves_voters_at_small_stations_only() {
    let clean_spec = ElectionSpec {
        regions: 4,
        localities: Localities {
            per_region: 5,
            sd: 0.3,
        },
        ..ElectionSpec::clean(6000)
    };
    let spec = ElectionSpec {
        fraud: Fraud {
            coercion_share: 0.3,
            coercion_abstainers: 0.2,
            coercion_others: 0.1,
            ..Fraud::default()
        },
        ..clean_spec.clone()
    };
    let clean = simulate(&clean_spec, 9);
    let sim = simulate(&spec, 9);
    assert_consistent(&sim);
    let d = &sim.dataset;
    assert_eq!(d.localities.len(), 20);
    assert_eq!(d.localities[0], "R01-L01");
    let c = &sim.truth.fraud.coercion;
    let small = 6000 / 4 / 3;
    assert!(
        (c.stations as f64 - 0.3 * 4.0 * small as f64).abs() < 60.0,
        "{c:?}"
    );
    assert_eq!(sim.truth.fraud.fraudulent_stations, c.stations);
    let gain = sim.truth.totals.votes[0] - clean.truth.totals.votes[0];
    assert_eq!(gain as i64, c.ballots_added + c.votes_moved as i64);
    assert_eq!(
        sim.truth.totals.ballots - clean.truth.totals.ballots,
        c.ballots_added as u64
    );
    for r in 0..4u32 {
        let sizes = |coerced: bool| {
            d.stations
                .iter()
                .zip(&sim.truth.planted)
                .filter(|(s, p)| s.region.get() == Some(r) && p.has(Planted::COERCION) == coerced)
                .map(|(s, _)| s.registered.unwrap())
                .collect::<Vec<_>>()
        };
        let (hit, rest) = (sizes(true), sizes(false));
        let mut all = [hit.clone(), rest].concat();
        all.sort_unstable();
        let third = all[all.len() / 3 - 1];
        assert!(hit.iter().all(|&s| s <= third), "region {r}");
    }
    // The same election without coercion is the clean one, station by station.
    for (a, b) in clean.dataset.stations.iter().zip(&d.stations) {
        assert_eq!(a.registered, b.registered);
        assert_eq!(a.locality, b.locality);
    }
    let mut out = Vec::new();
    write_csv(d, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("station,region,locality,registered,"));
    assert!(truth_json(&sim.truth).contains("\"coercion\""));
    assert!(!truth_json(&clean.truth).contains("coercion"));
}

/// National turnout and winner's share of stations above (`big`) or at most the median
/// of registered voters.
fn by_size(sim: &Simulated, big: bool) -> (f64, f64) {
    let d = &sim.dataset;
    let mut sizes: Vec<u32> = d.stations.iter().filter_map(|s| s.registered).collect();
    sizes.sort_unstable();
    let median = sizes[sizes.len() / 2];
    let (mut reg, mut ballots, mut valid, mut winner) = (0, 0, 0, 0);
    for (i, s) in d.stations.iter().enumerate() {
        let n = s.registered.unwrap_or(0);
        if (n > median) == big {
            reg += u64::from(n);
            ballots += u64::from(s.ballots);
            valid += u64::from(s.valid);
            winner += u64::from(d.votes_of(i)[0]);
        }
    }
    (share(ballots, reg), share(winner, valid))
}

/// Every shape hits its national targets (the calibration averages over sub-populations
/// and the size gradient) and shows its structure: big stations vote less, and less for
/// the winner, wherever sizes carry the heterogeneity.
#[test]
fn clean_shapes_hit_their_targets_and_show_their_structure() {
    for shape in Shape::ALL {
        let spec = ElectionSpec::clean(20_000).with_shape(shape);
        assert!(spec.validate().is_ok(), "{}", shape.name());
        let sim = simulate(&spec, 5);
        assert_consistent(&sim);
        let t = &sim.truth.totals;
        let (turnout, winner) = (t.turnout.unwrap(), t.winner_share.unwrap());
        assert!(
            (turnout - spec.turnout).abs() < 0.01,
            "{}: {turnout}",
            shape.name()
        );
        assert!(
            (winner - spec.shares[0]).abs() < 0.015,
            "{}: {winner}",
            shape.name()
        );
        let (big, small) = (by_size(&sim, true), by_size(&sim, false));
        let sized = !matches!(shape, Shape::HiddenRegions | Shape::Regional);
        if sized {
            assert!(
                big.0 + 0.08 < small.0,
                "{}: {big:?} {small:?}",
                shape.name()
            );
            assert!(
                big.1 + 0.08 < small.1,
                "{}: {big:?} {small:?}",
                shape.name()
            );
        }
        let regions_shown = !sim.dataset.regions.is_empty();
        assert_eq!(
            regions_shown,
            shape != Shape::HiddenRegions,
            "{}",
            shape.name()
        );
        assert_eq!(sim.truth.fair.region_turnout_effects.len(), spec.regions);
    }
}

/// Without a region column the regions are drawn all the same: the fair part is the
/// region-column election's, and only the CSV's region column goes.
#[test]
fn a_hidden_region_column_keeps_the_regions_effects() {
    let shown = ElectionSpec {
        regions: 24,
        region_sd: 0.35,
        ..ElectionSpec::clean(5000)
    };
    let hidden = ElectionSpec::clean(5000).with_shape(Shape::HiddenRegions);
    let (a, b) = (simulate(&shown, 3), simulate(&hidden, 3));
    assert_eq!(a.truth.fair, b.truth.fair);
    assert!(b.dataset.stations.iter().all(|s| s.region.get().is_none()));
    let text = String::from_utf8(csv_bytes(&b)).unwrap();
    assert!(text.starts_with("station,registered,ballots,valid,invalid,Candidate A"));
    // The dataset's column list, which reports print, matches the file.
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let listed: Vec<&str> = b
        .dataset
        .columns
        .iter()
        .map(|c| c.column.as_str())
        .collect();
    assert_eq!(listed, header);
    let with = String::from_utf8(csv_bytes(&a)).unwrap();
    for (x, y) in with.lines().zip(text.lines()).skip(1) {
        let mut f: Vec<&str> = x.split(',').collect();
        f.remove(1);
        assert_eq!(f.join(","), y);
    }
    // The effects are strong enough to see: regions' turnouts differ.
    let sd_regions = {
        let t = &b.truth.fair.region_expected_turnout;
        let m = t.iter().sum::<f64>() / t.len() as f64;
        (t.iter().map(|x| (x - m).powi(2)).sum::<f64>() / t.len() as f64).sqrt()
    };
    assert!(sd_regions > 0.03, "{sd_regions}");
}

#[test]
fn shapes_are_the_same_at_any_thread_count_and_stuffing_plants_on_top() {
    let spec = ElectionSpec::clean(10_000).with_shape(Shape::TownCountry);
    let stuffed = ElectionSpec {
        fraud: Fraud {
            incremental: 0.3,
            extreme: 0.02,
            ..Fraud::default()
        },
        ..spec.clone()
    };
    let run = |threads: usize, spec: &ElectionSpec| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool")
            .install(|| simulate(spec, 11))
    };
    let (one, two) = (run(1, &stuffed), run(2, &stuffed));
    assert_eq!(csv_bytes(&one), csv_bytes(&two));
    assert_eq!(one.truth, two.truth);
    let clean = run(2, &spec);
    let f = &one.truth.fraud;
    assert!(
        f.incremental.stations > 2500 && f.extreme.stations > 100,
        "{f:?}"
    );
    assert_eq!(
        one.truth.totals.ballots as i64 - clean.truth.totals.ballots as i64,
        f.ballots_added
    );
    assert!(f.ballots_added > 0);
    for (i, p) in one.truth.planted.iter().enumerate() {
        if !p.any() {
            assert_eq!(clean.dataset.stations[i], one.dataset.stations[i]);
        }
    }
    let json = truth_json(&one.truth);
    assert!(json.contains("\"subpopulations\"") && json.contains("\"size\": 1.8"));
    // Without heterogeneity the truth file says nothing of it.
    assert!(!truth_json(&simulate(&ElectionSpec::clean(10), 1).truth).contains("heterogeneity"));
}

/// Region correlation ρ: the winner's regional effect follows the turnout effect.
#[test]
fn region_correlation_links_the_regions_turnout_and_winner_effects() {
    let mut spec = ElectionSpec {
        regions: 400,
        region_sd: 0.4,
        ..ElectionSpec::clean(400)
    };
    spec.heterogeneity.region_correlation = 0.8;
    let fair = simulate(&spec, 2).truth.fair;
    let u = &fair.region_turnout_effects;
    let v: Vec<f64> = fair.region_share_effects.iter().map(|v| v[0]).collect();
    let dot: f64 = u.iter().zip(&v).map(|(a, b)| a * b).sum();
    let r =
        dot / (u.iter().map(|a| a * a).sum::<f64>() * v.iter().map(|b| b * b).sum::<f64>()).sqrt();
    // 400 regions: the sample correlation's sd is about 0.02.
    assert!((r - 0.8).abs() < 0.08, "{r}");
}

#[test]
fn bad_heterogeneity_names_its_field() {
    let mut spec = ElectionSpec::clean(100);
    spec.heterogeneity.subpopulations = vec![Subpopulation {
        weight: -1.0,
        size: 0.0,
        turnout: f64::NAN,
        share: 0.0,
    }];
    spec.heterogeneity.region_correlation = 2.0;
    let e = spec.validate().unwrap_err();
    let fields: Vec<&str> = e.problems.iter().map(|p| p.field).collect();
    assert_eq!(
        fields,
        [
            "heterogeneity.subpopulations",
            "heterogeneity.subpopulations",
            "heterogeneity.subpopulations",
            "heterogeneity.region_correlation"
        ]
    );
    // simulate() clamps instead of failing.
    assert_consistent(&simulate(&spec, 1));
}

#[test]
fn the_largest_sizes_the_spec_allows_give_counts_that_fit() {
    let spec = ElectionSpec {
        size: elaudit::simulate::SizeModel::LogNormal {
            median: 1e9,
            sigma: 5.0,
        },
        ..ElectionSpec::clean(200)
    };
    let d = simulate(&spec, 3).dataset;
    for s in &d.stations {
        let r = s.registered.unwrap();
        assert!(r <= 1_000_000_000 && s.ballots <= r, "{s:?}");
    }
}
