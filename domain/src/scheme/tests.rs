//! Given / when / then: every rule of a scheme, the shipped schemes, and how measurements
//! become points.

use super::*;
use crate::refusal::Refusal;
use crate::timeline::Decide;

fn shipped(name: &str) -> SchemeDefinition {
    let (_, json) = SHIPPED.iter().find(|(n, _)| *n == name).expect("shipped");
    SchemeDefinition::parse(json).expect("parses")
}

/// A small valid scheme: total 10 = a (6: a1 4 ratio, a2 2 manual) + b (4: deduction), and a
/// negative n (3).
fn small() -> SchemeDefinition {
    SchemeDefinition::parse(
        r#"{"name": "小方案", "total": 10, "indicators": [
            {"id": "a", "name": "甲", "kind": "CORE", "weight": 6, "children": [
                {"id": "a1", "name": "甲一", "kind": "CORE", "weight": 4,
                 "rule": {"type": "ratio", "source": "tasks.post_coverage",
                          "mapping": {"linear": {"zeroAt": 50, "fullAt": 100}}}},
                {"id": "a2", "name": "甲二", "kind": "CORROBORATING", "weight": 2, "rule": {"type": "manual"}}
            ]},
            {"id": "b", "name": "乙", "kind": "CORE", "weight": 4,
             "rule": {"type": "deduction", "source": "boundaries.unruled", "per": 1.5}},
            {"id": "n", "name": "负", "kind": "NEGATIVE", "weight": 3,
             "rule": {"type": "deduction", "source": "complaints.12345", "per": 0.5, "cap": 2}}
        ]}"#,
    )
    .expect("parses")
}

fn publish(state: &IndicatorScheme, d: SchemeDefinition) -> Result<Vec<SchemeEvent>, SchemeError> {
    state.decide(SchemeCommand::Publish { definition: d })
}

fn refused(d: SchemeDefinition) -> &'static str {
    publish(&IndicatorScheme::default(), d)
        .expect_err("refused")
        .rule()
}

#[test]
fn the_shipped_schemes_are_valid_and_shaped_like_their_sources() {
    let seed = shipped("seed-7-21.json");
    seed.validate().expect("seed-shaped scheme valid");
    assert_eq!(seed.indicators.len(), 7);
    assert_eq!(seed.leaves().len(), 21);
    let kinds: std::collections::BTreeSet<_> = seed.walk().iter().map(|(_, i)| i.kind).collect();
    assert_eq!(kinds.len(), 3, "core, corroborating and negative");
    let linyi = shipped("linyi-3-16.json");
    linyi.validate().expect("Linyi-shaped scheme valid");
    assert_eq!(linyi.classes.len(), 3);
    assert_eq!(linyi.leaves().len(), 16);
}

#[test]
fn publishing_a_valid_scheme_emits_version_1_then_2() {
    let mut state = IndicatorScheme::default();
    let events = publish(&state, small()).expect("accepted");
    assert_eq!(
        events,
        vec![SchemeEvent::SchemeVersionPublished {
            version: 1,
            definition: small()
        }]
    );
    state.evolve(events[0].clone());
    let mut changed = small();
    changed.name = "小方案（修订）".into();
    let events = publish(&state, changed.clone()).expect("accepted");
    assert!(matches!(
        events[..],
        [SchemeEvent::SchemeVersionPublished { version: 2, .. }]
    ));
    state.evolve(events[0].clone());
    assert_eq!(state.version(1), Some(&small()));
    assert_eq!(state.latest(), Some((2, &changed)));
}

#[test]
fn publishing_the_latest_content_again_changes_nothing() {
    let mut state = IndicatorScheme::default();
    for e in publish(&state, small()).expect("accepted") {
        state.evolve(e);
    }
    assert_eq!(publish(&state, small()), Ok(vec![]));
}

#[test]
fn weights_that_do_not_sum_are_refused() {
    let mut d = small();
    d.indicators[0].children[0].weight = Hundredths::whole(5);
    assert_eq!(refused(d), "WEIGHTS_DO_NOT_SUM");
    let mut d = small();
    d.total = Hundredths::whole(11);
    assert_eq!(refused(d), "WEIGHTS_DO_NOT_SUM");
}

#[test]
fn weights_must_sum_in_every_class() {
    let mut d = shipped("linyi-3-16.json");
    d.indicators[0].children[0]
        .class_weights
        .insert("经济调节类".into(), Hundredths::whole(7));
    let err = publish(&IndicatorScheme::default(), d).expect_err("refused");
    assert_eq!(err.rule(), "WEIGHTS_DO_NOT_SUM");
    assert!(err.to_string().contains("经济调节类"), "{err}");
}

#[test]
fn a_class_weight_for_an_unlisted_class_is_refused() {
    let mut d = small();
    d.indicators[1]
        .class_weights
        .insert("无此类".into(), Hundredths::whole(4));
    assert_eq!(refused(d), "UNKNOWN_CLASS");
}

#[test]
fn a_rule_naming_an_unknown_data_source_is_refused() {
    let mut d = small();
    d.indicators[1].rule = Some(Rule::Deduction {
        source: "records.bogus".into(),
        per: Hundredths::whole(1),
        cap: None,
    });
    assert_eq!(refused(d), "UNKNOWN_DATA_SOURCE");
}

#[test]
fn a_ratio_rule_over_a_count_is_refused() {
    let mut d = small();
    d.indicators[1].rule = Some(Rule::Ratio {
        source: "boundaries.unruled".into(),
        mapping: Mapping::Linear {
            zero_at: Hundredths::ZERO,
            full_at: Hundredths::whole(100),
        },
    });
    assert_eq!(refused(d), "SOURCE_KIND_MISMATCH");
}

#[test]
fn leaves_need_rules_and_parents_take_none() {
    let mut d = small();
    d.indicators[1].rule = None;
    assert_eq!(refused(d), "LEAF_WITHOUT_RULE");
    let mut d = small();
    d.indicators[0].rule = Some(Rule::Manual);
    assert_eq!(refused(d), "PARENT_WITH_RULE");
}

#[test]
fn caps_and_threshold_points_above_the_weight_are_refused() {
    let mut d = small();
    d.indicators[1].rule = Some(Rule::Deduction {
        source: "boundaries.unruled".into(),
        per: Hundredths::whole(1),
        cap: Some(Hundredths::whole(5)),
    });
    assert_eq!(refused(d), "POINTS_EXCEED_WEIGHT");
    let mut d = small();
    d.indicators[0].children[0].rule = Some(Rule::Ratio {
        source: "tasks.post_coverage".into(),
        mapping: Mapping::Thresholds(vec![Step {
            at_least: Hundredths::whole(90),
            points: Hundredths::whole(5),
        }]),
    });
    assert_eq!(refused(d), "POINTS_EXCEED_WEIGHT");
}

#[test]
fn malformed_mappings_are_refused() {
    for mapping in [
        Mapping::Linear {
            zero_at: Hundredths::whole(90),
            full_at: Hundredths::whole(50),
        },
        Mapping::Linear {
            zero_at: Hundredths::whole(0),
            full_at: Hundredths::whole(120),
        },
        Mapping::Thresholds(vec![]),
        Mapping::Thresholds(vec![
            Step {
                at_least: Hundredths::whole(90),
                points: Hundredths::whole(1),
            },
            Step {
                at_least: Hundredths::whole(80),
                points: Hundredths::whole(2),
            },
        ]),
    ] {
        let mut d = small();
        d.indicators[0].children[0].rule = Some(Rule::Ratio {
            source: "tasks.post_coverage".into(),
            mapping,
        });
        assert_eq!(refused(d), "INVALID_RULE");
    }
}

#[test]
fn negative_indicators_deduct_and_hold_only_negatives() {
    let mut d = small();
    d.indicators[2].rule = Some(Rule::Bonus {
        source: "complaints.12345".into(),
        per: Hundredths::whole(1),
        cap: None,
    });
    assert_eq!(refused(d), "RULE_NOT_FOR_KIND");
    let mut d = small();
    d.indicators[0].kind = IndicatorKind::Negative;
    assert_eq!(refused(d), "NEGATIVE_SUBTREE");
}

#[test]
fn duplicate_ids_bad_weights_and_empty_schemes_are_refused() {
    let mut d = small();
    d.indicators[1].id = "a1".into();
    assert_eq!(refused(d), "DUPLICATE_INDICATOR");
    let mut d = small();
    d.indicators[2].weight = Hundredths::ZERO;
    assert_eq!(refused(d), "INVALID_WEIGHT");
    let mut d = small();
    d.indicators.clear();
    assert_eq!(refused(d), "NO_INDICATORS");
    let mut d = small();
    d.indicators[1].id = "有 空格".into();
    assert_eq!(refused(d), "INVALID_ID");
}

#[test]
fn a_version_published_back_before_a_later_one_is_refused() {
    use crate::timeline::{decide_at, Timed};
    let at = |d: u32| {
        chrono::NaiveDate::from_ymd_opt(2025, 1, d)
            .and_then(|x| x.and_hms_opt(0, 0, 0))
            .expect("date")
            .and_utc()
    };
    let history = vec![Timed {
        effective_at: at(10),
        sequence: 1,
        event: SchemeEvent::SchemeVersionPublished {
            version: 1,
            definition: small(),
        },
    }];
    let mut other = small();
    other.name = "另一版".into();
    let err = decide_at::<IndicatorScheme>(
        &history,
        SchemeCommand::Publish { definition: other },
        at(5),
    )
    .expect_err("refused");
    assert_eq!(err.rule(), "BREAKS_LATER_HISTORY");
}

#[test]
fn ratios_map_linearly_in_hundredths() {
    let rule = Rule::Ratio {
        source: "tasks.post_coverage".into(),
        mapping: Mapping::Linear {
            zero_at: Hundredths::whole(50),
            full_at: Hundredths::whole(100),
        },
    };
    let w = Hundredths::whole(4);
    let ratio = |n, d| Measured::Ratio {
        numerator: n,
        denominator: d,
    };
    assert_eq!(
        rule.points(IndicatorKind::Core, w, &ratio(3, 4)),
        Ok(Hundredths(200))
    );
    assert_eq!(
        rule.points(IndicatorKind::Core, w, &ratio(1, 2)),
        Ok(Hundredths(0))
    );
    assert_eq!(
        rule.points(IndicatorKind::Core, w, &ratio(9, 9)),
        Ok(Hundredths(400))
    );
    // 2/3 = 66.66%: (6666 - 5000) * 400 / 5000 = 133.28 -> 133 hundredths.
    assert_eq!(
        rule.points(IndicatorKind::Core, w, &ratio(2, 3)),
        Ok(Hundredths(133))
    );
    assert!(rule.points(IndicatorKind::Core, w, &ratio(0, 0)).is_err());
    assert!(rule
        .points(IndicatorKind::Core, w, &Measured::NoData("none".into()))
        .is_err());
}

#[test]
fn deductions_stop_at_the_cap_and_negatives_go_below_zero() {
    let rule = |cap| Rule::Deduction {
        source: "boundaries.unruled".into(),
        per: Hundredths(150),
        cap,
    };
    let w = Hundredths::whole(4);
    let n = |c| Measured::Count(c);
    assert_eq!(
        rule(None).points(IndicatorKind::Core, w, &n(1)),
        Ok(Hundredths(250))
    );
    assert_eq!(
        rule(None).points(IndicatorKind::Core, w, &n(9)),
        Ok(Hundredths(0))
    );
    assert_eq!(
        rule(Some(Hundredths::whole(2))).points(IndicatorKind::Core, w, &n(9)),
        Ok(Hundredths(200))
    );
    assert_eq!(
        rule(Some(Hundredths::whole(2))).points(IndicatorKind::Negative, w, &n(9)),
        Ok(Hundredths(-200))
    );
    let bonus = Rule::Bonus {
        source: "workflow.charts_published".into(),
        per: Hundredths::whole(1),
        cap: None,
    };
    assert_eq!(
        bonus.points(IndicatorKind::Core, w, &n(3)),
        Ok(Hundredths(300))
    );
    assert_eq!(
        bonus.points(IndicatorKind::Core, w, &n(30)),
        Ok(Hundredths(400))
    );
}

#[test]
fn hundredths_read_and_write_two_places() {
    assert_eq!(Hundredths::from_f64(12.5), Some(Hundredths(1250)));
    assert_eq!(Hundredths::from_f64(0.1), Some(Hundredths(10)));
    assert_eq!(Hundredths::from_f64(0.125), None);
    assert_eq!(Hundredths::from_f64(f64::NAN), None);
    assert_eq!(Hundredths(1250).to_string(), "12.5");
    assert_eq!(Hundredths(-5).to_string(), "-0.05");
    let json = serde_json::to_string(&vec![Hundredths(1250), Hundredths(300)]).expect("json");
    assert_eq!(json, "[12.5,3]");
}
