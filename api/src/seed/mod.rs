//! The Linyi (临沂市, division 371300000000) demo data: four city departments with their 三定
//! structure and power lists, following the source article. The market supervision bureau's
//! party-building section splits "负责局机关和直属单位党的建设和群团工作" into 7 tasks held by 5
//! posts. The boundary list holds the stage-split food-safety matter between agriculture and
//! market supervision (ruled), and a matter between two sections (not yet ruled).
//!
//! Credit codes are computed with the GB 11714 and GB 32100 check characters from an
//! organisation-code body, not typed by hand. Every entity has a fixed id, so running the seed
//! again changes nothing: a command refused only because its entity exists already is skipped.
//! The structure is in force from 2024-01-01 (Beijing time); performance records (履职数据) of
//! every post holding a task follow from then to October 2026, with fixed record ids (a second
//! run finds them all stored). Workflow cases (办件) of 2025-2026 run on the emergency bureau's
//! relief chart and on ten of the approval bureau's items ([`cases`]), handled by the posts of
//! its service centre (受理岗, 审批岗).

use dutyledger_domain::boundary::{
    BoundaryCommand, BoundaryMatter, MatterKind, Mechanism, Party, PartyRole, Role, Ruling, Stage,
};
use dutyledger_domain::department::{Department, DepartmentCommand, RiskFlags, TaskDetails};
use dutyledger_domain::power::{PowerCode, PowerItemDetails, PowerKind};
use dutyledger_domain::values::{
    BodyKind, CreditCode, DayKind, DepartmentLevel, DivisionCode, EntityId, Headcount, Name, Text,
    TimeLimit, ValueError,
};

use dutyledger_domain::performance::RawRecord;

use crate::app::{AppState, When};
use crate::auth::Actor;
use crate::context::RequestContext;
use crate::service::AppError;

pub mod cases;
pub mod rectification;
pub mod supervision;
pub mod workflows;

/// Linyi's division code.
pub const LINYI: &str = "371300000000";

/// A high-risk task's four required statements and its flags.
#[derive(Debug)]
struct Risk {
    scope: &'static str,
    procedure: &'static str,
    days: i64,
    kind: DayKind,
    standard: &'static str,
    flags: RiskFlags,
}

#[derive(Debug)]
struct SeedTask {
    id: &'static str,
    name: &'static str,
    risk: Option<Risk>,
    posts: &'static [&'static str],
}

#[derive(Debug)]
struct SeedUnitDuty {
    id: &'static str,
    main_duty: &'static str,
    text: &'static str,
    tasks: &'static [SeedTask],
}

#[derive(Debug)]
struct SeedUnit {
    id: &'static str,
    name: &'static str,
    staffing: i64,
    posts: &'static [(&'static str, &'static str)],
    duties: &'static [SeedUnitDuty],
}

/// A power item of a demo department.
#[derive(Debug)]
struct SeedPower {
    id: &'static str,
    code: &'static str,
    name: &'static str,
    kind: PowerKind,
    basis: &'static str,
    unit: &'static str,
    statutory: Option<(i64, DayKind)>,
    promised: Option<(i64, DayKind)>,
    accountability: &'static [&'static str],
    tasks: &'static [&'static str],
}

/// One demo department.
#[derive(Debug)]
pub struct SeedDepartment {
    /// The 8-digit organisation-code body its credit code is computed from.
    pub org_body: &'static str,
    /// Its name.
    pub name: &'static str,
    sector: &'static str,
    kind: BodyKind,
    staffing: i64,
    main_duties: &'static [(&'static str, &'static str)],
    units: &'static [SeedUnit],
    powers: &'static [SeedPower],
}

impl SeedDepartment {
    /// Its credit code: registration authority 1 (establishment office), kind 1 (organ),
    /// Linyi's division, the organisation code with its check character, the check character.
    pub fn credit_code(&self) -> Result<CreditCode, ValueError> {
        CreditCode::from_parts('1', '1', &LINYI[..6], self.org_body)
    }
}

const INTEGRITY: RiskFlags = RiskFlags {
    strict_policy_standard: false,
    wide_discretion: false,
    integrity_risk: true,
};

const STRICT_AND_DISCRETION: RiskFlags = RiskFlags {
    strict_policy_standard: true,
    wide_discretion: true,
    integrity_risk: false,
};

const ALL_RISKS: RiskFlags = RiskFlags {
    strict_policy_standard: true,
    wide_discretion: true,
    integrity_risk: true,
};

/// The market supervision bureau (临沂市市场监督管理局).
pub const MARKET_SUPERVISION: SeedDepartment = SeedDepartment {
    org_body: "00435012",
    name: "临沂市市场监督管理局",
    sector: "市场监管",
    kind: BodyKind::GovernmentDepartment,
    staffing: 120,
    main_duties: &[
        ("msb-md-01", "负责市场综合监督管理。起草市场监督管理有关规范性文件，组织实施质量强市战略、食品安全战略和标准化战略。"),
        ("msb-md-02", "负责市场主体统一登记注册。指导各类企业、农民专业合作社和从事经营活动的单位、个体工商户登记注册工作。"),
        ("msb-md-03", "负责组织和指导市场监管综合执法工作。"),
        ("msb-md-04", "负责食品安全监督管理综合协调。组织制定食品安全重大政策并组织实施。"),
        ("msb-md-05", "负责宏观质量管理。拟订并实施质量发展的制度措施。"),
        ("msb-md-06", "负责局机关和直属单位党的建设和群团工作"),
    ],
    units: &[
        SeedUnit {
            id: "msb-party",
            name: "机关党委（党建工作科）",
            staffing: 6,
            posts: &[
                ("msb-party-p1", "党建综合岗"),
                ("msb-party-p2", "组织岗"),
                ("msb-party-p3", "宣传岗"),
                ("msb-party-p4", "纪检岗"),
                ("msb-party-p5", "群团岗"),
            ],
            duties: &[SeedUnitDuty {
                id: "msb-party-ud1",
                main_duty: "msb-md-06",
                text: "负责局机关和直属单位党的建设和群团工作",
                tasks: &[
                    SeedTask { id: "msb-party-t1", name: "制定年度党建工作计划并组织实施", risk: None, posts: &["msb-party-p1"] },
                    SeedTask { id: "msb-party-t2", name: "组织局机关和直属单位党员理论学习", risk: None, posts: &["msb-party-p3"] },
                    SeedTask { id: "msb-party-t3", name: "负责党员发展、教育和管理", risk: None, posts: &["msb-party-p2"] },
                    SeedTask { id: "msb-party-t4", name: "指导基层党组织换届选举和组织生活", risk: None, posts: &["msb-party-p2"] },
                    SeedTask {
                        id: "msb-party-t5",
                        name: "负责党费收缴、使用和管理",
                        risk: Some(Risk {
                            scope: "局机关和直属单位全体党员党费",
                            procedure: "按月核定、收缴、登记，季度公示，年度审计",
                            days: 10,
                            kind: DayKind::Working,
                            standard: "按《中国共产党党费收缴、使用和管理的规定》足额收缴、专款专用",
                            flags: INTEGRITY,
                        }),
                        posts: &["msb-party-p1"],
                    },
                    SeedTask {
                        id: "msb-party-t6",
                        name: "负责党风廉政建设和反腐败日常工作",
                        risk: Some(Risk {
                            scope: "局机关和直属单位党员干部",
                            procedure: "廉政风险排查、谈话提醒、问题线索登记报送",
                            days: 15,
                            kind: DayKind::Working,
                            standard: "问题线索登记率100%，按时限报送",
                            flags: INTEGRITY,
                        }),
                        posts: &["msb-party-p4"],
                    },
                    SeedTask { id: "msb-party-t7", name: "负责工会、共青团、妇委会等群团工作", risk: None, posts: &["msb-party-p5"] },
                ],
            }],
        },
        SeedUnit {
            id: "msb-office",
            name: "办公室",
            staffing: 8,
            posts: &[("msb-office-p1", "文秘岗"), ("msb-office-p2", "综合协调岗")],
            duties: &[SeedUnitDuty {
                id: "msb-office-ud1",
                main_duty: "msb-md-01",
                text: "负责机关日常运转，承担文电、会务、督查督办、政务公开等工作",
                tasks: &[
                    SeedTask { id: "msb-office-t1", name: "公文收发、审核和流转", risk: None, posts: &["msb-office-p1"] },
                    SeedTask { id: "msb-office-t2", name: "市委市政府交办事项督查督办", risk: None, posts: &["msb-office-p2"] },
                    SeedTask { id: "msb-office-t3", name: "政府信息公开申请办理", risk: None, posts: &[] },
                ],
            }],
        },
        SeedUnit {
            id: "msb-registration",
            name: "登记注册科",
            staffing: 7,
            posts: &[("msb-registration-p1", "登记审核岗")],
            duties: &[SeedUnitDuty {
                id: "msb-registration-ud1",
                main_duty: "msb-md-02",
                text: "拟订市场主体登记注册的具体措施，承担市场主体登记注册和信息公示工作",
                tasks: &[SeedTask {
                    id: "msb-registration-t1",
                    name: "市场主体登记注册业务指导",
                    risk: None,
                    posts: &["msb-registration-p1"],
                }],
            }],
        },
        SeedUnit {
            id: "msb-food",
            name: "食品生产安全监督管理科",
            staffing: 9,
            posts: &[("msb-food-p1", "生产许可岗"), ("msb-food-p2", "监督检查岗")],
            duties: &[
                SeedUnitDuty {
                    id: "msb-food-ud1",
                    main_duty: "msb-md-04",
                    text: "承担食品生产环节监督检查和食品生产许可工作",
                    tasks: &[
                        SeedTask {
                            id: "msb-food-t1",
                            name: "食品生产许可审查",
                            risk: Some(Risk {
                                scope: "本市食品生产企业（除保健食品、特殊医学用途配方食品等外）",
                                procedure: "受理、材料审查、现场核查、决定、送达",
                                days: 10,
                                kind: DayKind::Working,
                                standard: "《食品生产许可管理办法》《食品生产许可审查通则》",
                                flags: ALL_RISKS,
                            }),
                            posts: &["msb-food-p1"],
                        },
                        SeedTask { id: "msb-food-t2", name: "食品生产企业日常监督检查", risk: None, posts: &["msb-food-p2"] },
                    ],
                },
                SeedUnitDuty {
                    id: "msb-food-ud2",
                    main_duty: "msb-md-04",
                    text: "组织开展食品生产环节风险隐患排查",
                    tasks: &[],
                },
            ],
        },
    ],
    powers: &[
        SeedPower {
            id: "pi-SC-XK-001",
            code: "SC-XK-001",
            name: "食品生产许可",
            kind: PowerKind::Licensing,
            basis: "《中华人民共和国食品安全法》第三十五条；《食品生产许可管理办法》",
            unit: "msb-food",
            statutory: Some((20, DayKind::Working)),
            promised: Some((10, DayKind::Working)),
            accountability: &["对符合法定条件的申请不予受理的", "对不符合法定条件的申请人准予许可或者超越法定职权作出准予许可决定的"],
            tasks: &["msb-food-t1"],
        },
        SeedPower {
            id: "pi-SC-CF-001",
            code: "SC-CF-001",
            name: "对生产经营不符合食品安全标准的食品的处罚",
            kind: PowerKind::Penalty,
            basis: "《中华人民共和国食品安全法》第一百二十四条",
            unit: "msb-food",
            statutory: Some((90, DayKind::Calendar)),
            promised: None,
            accountability: &["对应当予以制止和处罚的违法行为不予制止、处罚的"],
            tasks: &[],
        },
        SeedPower {
            id: "pi-SC-JC-001",
            code: "SC-JC-001",
            name: "食品生产企业监督检查",
            kind: PowerKind::Inspection,
            basis: "《中华人民共和国食品安全法》第一百一十条",
            unit: "msb-food",
            statutory: None,
            promised: None,
            accountability: &[],
            tasks: &["msb-food-t2"],
        },
    ],
};

/// The emergency management bureau (临沂市应急管理局).
pub const EMERGENCY_MANAGEMENT: SeedDepartment = SeedDepartment {
    org_body: "00435029",
    name: "临沂市应急管理局",
    sector: "应急管理",
    kind: BodyKind::GovernmentDepartment,
    staffing: 70,
    main_duties: &[
        ("emb-md-01", "负责应急管理工作，指导各县区、各部门应对安全生产类、自然灾害类等突发事件和综合防灾减灾救灾工作。"),
        ("emb-md-02", "负责灾情救助工作。组织协调灾害救助工作，组织指导灾情核查、损失评估、救灾捐赠工作，管理、分配市级救灾款物并监督使用。"),
        ("emb-md-03", "负责安全生产综合监督管理和工矿商贸行业安全生产监督管理工作。"),
    ],
    units: &[
        SeedUnit {
            id: "emb-office",
            name: "办公室",
            staffing: 6,
            posts: &[("emb-office-p1", "综合文秘岗")],
            duties: &[SeedUnitDuty {
                id: "emb-office-ud1",
                main_duty: "emb-md-01",
                text: "负责机关日常运转和应急值守、信息报送工作",
                tasks: &[SeedTask { id: "emb-office-t1", name: "突发事件信息接报和报送", risk: None, posts: &["emb-office-p1"] }],
            }],
        },
        SeedUnit {
            id: "emb-relief",
            name: "救灾和物资保障科",
            staffing: 5,
            posts: &[("emb-relief-p1", "救灾救助岗"), ("emb-relief-p2", "物资保障岗")],
            duties: &[SeedUnitDuty {
                id: "emb-relief-ud1",
                main_duty: "emb-md-02",
                text: "承担灾情核查、损失评估和受灾群众生活救助工作，管理市级救灾款物",
                tasks: &[
                    SeedTask {
                        id: "emb-relief-t1",
                        name: "冬春受灾群众生活救助",
                        risk: Some(Risk {
                            scope: "因自然灾害造成冬令春荒期间口粮、衣被、取暖等基本生活困难的受灾群众",
                            procedure: "申请、评议、公示、乡镇审核、县级审批等10个环节；确定救助对象含5个子环节",
                            days: 30,
                            kind: DayKind::Calendar,
                            standard: "救助对象确定准确、资金足额发放、全程公开可追溯",
                            flags: ALL_RISKS,
                        }),
                        posts: &["emb-relief-p1"],
                    },
                    SeedTask { id: "emb-relief-t2", name: "市级救灾物资储备和调拨", risk: None, posts: &["emb-relief-p2"] },
                ],
            }],
        },
        SeedUnit {
            id: "emb-safety",
            name: "安全生产综合协调科",
            staffing: 5,
            posts: &[("emb-safety-p1", "综合协调岗")],
            duties: &[SeedUnitDuty {
                id: "emb-safety-ud1",
                main_duty: "emb-md-03",
                text: "组织协调全市安全生产检查和专项督查，承担安全生产考核工作",
                tasks: &[SeedTask { id: "emb-safety-t1", name: "安全生产专项督查", risk: None, posts: &["emb-safety-p1"] }],
            }],
        },
    ],
    powers: &[
        SeedPower {
            id: "pi-YJ-GF-001",
            code: "YJ-GF-001",
            name: "受灾人员冬春生活救助",
            kind: PowerKind::Payment,
            basis: "《自然灾害救助条例》第二十条",
            unit: "emb-relief",
            statutory: None,
            promised: Some((30, DayKind::Calendar)),
            accountability: &["截留、挪用、私分救灾款物的"],
            tasks: &["emb-relief-t1"],
        },
        SeedPower {
            id: "pi-YJ-CF-001",
            code: "YJ-CF-001",
            name: "对生产经营单位未按规定开展安全生产教育培训的处罚",
            kind: PowerKind::Penalty,
            basis: "《中华人民共和国安全生产法》第九十七条",
            unit: "emb-safety",
            statutory: Some((90, DayKind::Calendar)),
            promised: None,
            accountability: &[],
            tasks: &[],
        },
    ],
};

/// The administrative approval services bureau (临沂市行政审批服务局).
pub const ADMINISTRATIVE_APPROVAL: SeedDepartment = SeedDepartment {
    org_body: "00435037",
    name: "临沂市行政审批服务局",
    sector: "政务服务",
    kind: BodyKind::GovernmentDepartment,
    staffing: 90,
    main_duties: &[
        (
            "aab-md-01",
            "负责集中行使市级行政许可事项及相关行政权力，推进审批服务便民化。",
        ),
        (
            "aab-md-02",
            "负责市级政务服务中心的运行管理，推进政务服务标准化、规范化、便利化。",
        ),
    ],
    units: &[
        SeedUnit {
            id: "aab-market",
            name: "市场准入审批科",
            staffing: 8,
            posts: &[("aab-market-p1", "受理岗"), ("aab-market-p2", "审核岗")],
            duties: &[SeedUnitDuty {
                id: "aab-market-ud1",
                main_duty: "aab-md-01",
                text: "承担企业设立、变更、注销登记等市场准入类审批事项",
                tasks: &[
                    SeedTask {
                        id: "aab-market-t1",
                        name: "企业设立登记（一窗受理、一次办好）",
                        risk: None,
                        posts: &["aab-market-p1"],
                    },
                    SeedTask {
                        id: "aab-market-t2",
                        name: "食品经营许可审批",
                        risk: Some(Risk {
                            scope: "本市食品经营者（含网络经营）",
                            procedure: "受理、审查、现场核查（必要时）、决定、送达",
                            days: 5,
                            kind: DayKind::Working,
                            standard: "《食品经营许可和备案管理办法》",
                            flags: STRICT_AND_DISCRETION,
                        }),
                        posts: &["aab-market-p2"],
                    },
                ],
            }],
        },
        SeedUnit {
            id: "aab-social",
            name: "社会事务审批科",
            staffing: 6,
            posts: &[("aab-social-p1", "审批岗")],
            duties: &[SeedUnitDuty {
                id: "aab-social-ud1",
                main_duty: "aab-md-01",
                text: "承担教育、卫生健康、民政等社会事务类审批事项",
                tasks: &[SeedTask {
                    id: "aab-social-t1",
                    name: "民办学校设立审批",
                    risk: None,
                    posts: &["aab-social-p1"],
                }],
            }],
        },
        SeedUnit {
            id: "aab-center",
            name: "政务服务中心运行管理科",
            staffing: 5,
            // The posts that handle the items' steps (受理, 审查, 决定), and so their cases.
            posts: &[("aab-center-p1", "受理岗"), ("aab-center-p2", "审批岗")],
            duties: &[],
        },
    ],
    powers: &[
        SeedPower {
            id: "pi-SP-XK-001",
            code: "SP-XK-001",
            name: "食品经营许可",
            kind: PowerKind::Licensing,
            basis: "《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》",
            unit: "aab-market",
            statutory: Some((20, DayKind::Working)),
            promised: Some((5, DayKind::Working)),
            accountability: &["对符合法定条件的申请不予受理的"],
            tasks: &["aab-market-t2"],
        },
        SeedPower {
            id: "pi-SP-QR-001",
            code: "SP-QR-001",
            name: "企业设立登记",
            kind: PowerKind::Confirmation,
            basis: "《中华人民共和国市场主体登记管理条例》第三条",
            unit: "aab-market",
            statutory: Some((3, DayKind::Working)),
            promised: Some((1, DayKind::Working)),
            accountability: &[],
            tasks: &["aab-market-t1"],
        },
        SeedPower {
            id: "pi-SP-XK-002",
            code: "SP-XK-002",
            name: "民办学校设立审批",
            kind: PowerKind::Licensing,
            basis: "《中华人民共和国民办教育促进法》第十二条",
            unit: "aab-social",
            statutory: Some((90, DayKind::Calendar)),
            promised: Some((20, DayKind::Working)),
            accountability: &[],
            tasks: &["aab-social-t1"],
        },
    ],
};

/// The agriculture and rural affairs bureau (临沂市农业农村局).
pub const AGRICULTURE: SeedDepartment = SeedDepartment {
    org_body: "00435045",
    name: "临沂市农业农村局",
    sector: "农业农村",
    kind: BodyKind::GovernmentDepartment,
    staffing: 80,
    main_duties: &[
        ("nyj-md-01", "负责农产品质量安全监督管理。组织开展农产品质量安全监测、追溯、风险评估。"),
        ("nyj-md-02", "负责种植业、畜牧业、渔业、农垦、农业机械化等农业各产业的监督管理。"),
    ],
    units: &[
        SeedUnit {
            id: "nyj-quality",
            name: "农产品质量安全监管科",
            staffing: 6,
            posts: &[("nyj-quality-p1", "质量监管岗"), ("nyj-quality-p2", "检测抽查岗")],
            duties: &[SeedUnitDuty {
                id: "nyj-quality-ud1",
                main_duty: "nyj-md-01",
                text: "承担食用农产品从种植养殖环节到进入批发、零售市场或者生产加工企业前的质量安全监督管理",
                tasks: &[
                    SeedTask { id: "nyj-quality-t1", name: "农产品质量安全例行监测", risk: None, posts: &["nyj-quality-p2"] },
                    SeedTask { id: "nyj-quality-t2", name: "农产品质量安全追溯管理", risk: None, posts: &["nyj-quality-p1"] },
                ],
            }],
        },
        SeedUnit {
            id: "nyj-crops",
            name: "种植业管理科",
            staffing: 5,
            posts: &[("nyj-crops-p1", "农药管理岗")],
            duties: &[SeedUnitDuty {
                id: "nyj-crops-ud1",
                main_duty: "nyj-md-02",
                text: "承担农药经营许可和监督管理",
                tasks: &[SeedTask { id: "nyj-crops-t1", name: "农药经营许可审查", risk: None, posts: &["nyj-crops-p1"] }],
            }],
        },
    ],
    powers: &[
        SeedPower {
            id: "pi-NY-XK-001",
            code: "NY-XK-001",
            name: "农药经营许可",
            kind: PowerKind::Licensing,
            basis: "《农药管理条例》第二十四条",
            unit: "nyj-crops",
            statutory: Some((20, DayKind::Working)),
            promised: Some((10, DayKind::Working)),
            accountability: &["对不符合条件的申请人准予许可的"],
            tasks: &["nyj-crops-t1"],
        },
        SeedPower {
            id: "pi-NY-JC-001",
            code: "NY-JC-001",
            name: "农产品质量安全监督抽查",
            kind: PowerKind::Inspection,
            basis: "《中华人民共和国农产品质量安全法》第五十条",
            unit: "nyj-quality",
            statutory: None,
            promised: None,
            accountability: &[],
            tasks: &["nyj-quality-t1"],
        },
    ],
};

/// Every demo department.
pub const DEPARTMENTS: [&SeedDepartment; 4] = [
    &MARKET_SUPERVISION,
    &EMERGENCY_MANAGEMENT,
    &ADMINISTRATIVE_APPROVAL,
    &AGRICULTURE,
];

/// What a seed run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// Commands sent.
    pub commands: usize,
    /// Events appended (0 on a second run).
    pub events: usize,
    /// Performance records stored (0 on a second run: they are duplicates then).
    pub records: usize,
}

/// When the demo structure comes into force (the 三定 provisions), Beijing time.
pub const IN_FORCE_SINCE: &str = "2024-01-01T00:00:00+08:00";
/// The demo performance records run from [`IN_FORCE_SINCE`] to the end of this month.
pub const RECORDS_UNTIL: (i32, u32) = (2026, 10);

/// Townships of Linyi where the demo work is done (兰山区, 罗庄区, 河东区, 沂南县, 郯城县, 兰陵县).
const TOWNSHIPS: [&str; 6] = [
    "371302001000",
    "371311002000",
    "371312003000",
    "371321101000",
    "371322102000",
    "371324103000",
];

/// A small deterministic generator (64-bit LCG), so that the demo records are the same on
/// every machine and a second seed finds them all stored.
pub(crate) struct Lcg(pub(crate) u64);

impl Lcg {
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

/// The demo performance records of one department: for every post holding a task, 0 to 4
/// records a month from [`IN_FORCE_SINCE`] to [`RECORDS_UNTIL`], in Linyi's townships, with
/// the days taken (against the task's time limit) or an on-time flag.
pub fn records(d: &SeedDepartment) -> Result<Vec<RawRecord>, AppError> {
    let code = d.credit_code().map_err(bad)?;
    let mut rng = Lcg(d.org_body.parse::<u64>().unwrap_or(7));
    let mut out = Vec::new();
    let (last_year, last_month) = RECORDS_UNTIL;
    for unit in d.units {
        for duty in unit.duties {
            for task in duty.tasks {
                for post in task.posts {
                    let (mut year, mut month) = (2024, 1);
                    while (year, month) <= (last_year, last_month) {
                        for n in 0..rng.below(5) {
                            let day = 1 + rng.below(27);
                            let hour = 1 + rng.below(8); // 09:00-16:00 Beijing time
                            let (days, on_time) = match &task.risk {
                                Some(r) => (Some(rng.below(r.days as u64 + 3).to_string()), None),
                                None => (None, Some((rng.below(10) < 8).to_string())),
                            };
                            let source = match rng.below(10) {
                                0 => "INSPECTION",
                                1 => "SYSTEM_INTEGRATION",
                                _ => "DAILY_ENTRY",
                            };
                            out.push(RawRecord {
                                record_id: Some(format!(
                                    "seed-{}-{post}-{year}{month:02}-{n}",
                                    task.id
                                )),
                                department_id: Some(code.to_string()),
                                unit_id: Some(unit.id.to_owned()),
                                post_id: Some((*post).to_owned()),
                                task_id: Some(task.id.to_owned()),
                                region: Some(TOWNSHIPS[rng.below(6) as usize].to_owned()),
                                level: None,
                                occurred_at: Some(format!(
                                    "{year}-{month:02}-{day:02}T{hour:02}:30:00Z"
                                )),
                                quantity: Some((1 + rng.below(3)).to_string()),
                                time_taken_days: days,
                                on_time,
                                source: Some(source.to_owned()),
                            });
                        }
                        (year, month) = if month == 12 {
                            (year + 1, 1)
                        } else {
                            (year, month + 1)
                        };
                    }
                }
            }
        }
    }
    Ok(out)
}

fn id(s: &str) -> Result<EntityId, AppError> {
    EntityId::parse(s).map_err(|e| AppError::bad_input("seed id", e))
}

fn bad(e: ValueError) -> AppError {
    AppError::bad_input("seed", e)
}

/// The commands that build one department, in order.
pub fn commands(d: &SeedDepartment) -> Result<Vec<DepartmentCommand>, AppError> {
    use DepartmentCommand as C;
    let code = d.credit_code().map_err(bad)?;
    let mut out = vec![
        C::EstablishDepartment {
            id: code,
            name: Name::parse(d.name).map_err(bad)?,
            division: DivisionCode::parse(LINYI).map_err(bad)?,
            level: DepartmentLevel::City,
            sector: Name::parse(d.sector).map_err(bad)?,
            kind: d.kind,
        },
        C::SetDepartmentStaffing {
            headcount: Headcount::parse(d.staffing).map_err(bad)?,
        },
    ];
    for (duty_id, text) in d.main_duties {
        out.push(C::DefineMainDuty {
            duty_id: id(duty_id)?,
            text: Text::parse(text).map_err(bad)?,
        });
    }
    for unit in d.units {
        out.push(C::EstablishUnit {
            unit_id: id(unit.id)?,
            name: Name::parse(unit.name).map_err(bad)?,
        });
        out.push(C::SetUnitStaffing {
            unit_id: id(unit.id)?,
            headcount: Headcount::parse(unit.staffing).map_err(bad)?,
        });
        for (post_id, name) in unit.posts {
            out.push(C::CreatePost {
                post_id: id(post_id)?,
                unit_id: id(unit.id)?,
                name: Name::parse(name).map_err(bad)?,
            });
        }
        for duty in unit.duties {
            out.push(C::AssignUnitDuty {
                unit_duty_id: id(duty.id)?,
                main_duty_id: id(duty.main_duty)?,
                unit_id: id(unit.id)?,
                text: Text::parse(duty.text).map_err(bad)?,
            });
            for task in duty.tasks {
                let details = match &task.risk {
                    None => TaskDetails {
                        name: Name::parse(task.name).map_err(bad)?,
                        scope: None,
                        procedure: None,
                        time_limit: None,
                        standard: None,
                        risks: RiskFlags::default(),
                    },
                    Some(r) => TaskDetails {
                        name: Name::parse(task.name).map_err(bad)?,
                        scope: Some(Text::parse(r.scope).map_err(bad)?),
                        procedure: Some(Text::parse(r.procedure).map_err(bad)?),
                        time_limit: Some(TimeLimit::new(r.days, r.kind).map_err(bad)?),
                        standard: Some(Text::parse(r.standard).map_err(bad)?),
                        risks: r.flags,
                    },
                };
                out.push(C::DefineTask {
                    task_id: id(task.id)?,
                    unit_duty_id: id(duty.id)?,
                    details,
                });
                for post in task.posts {
                    out.push(C::AssignTaskToPost {
                        task_id: id(task.id)?,
                        post_id: id(post)?,
                    });
                }
            }
        }
    }
    let limit = |l: Option<(i64, DayKind)>| {
        l.map(|(d, k)| TimeLimit::new(d, k).map_err(bad))
            .transpose()
    };
    for p in d.powers {
        out.push(C::ListPowerItem {
            item_id: id(p.id)?,
            details: PowerItemDetails {
                code: PowerCode::parse(p.code).map_err(bad)?,
                name: Name::parse(p.name).map_err(bad)?,
                sub_item: None,
                kind: p.kind,
                legal_basis: Text::parse(p.basis).map_err(bad)?,
                unit_id: id(p.unit)?,
                level: DepartmentLevel::City,
                stages: p
                    .kind
                    .template_stages()
                    .iter()
                    .map(|s| Name::parse(s).map_err(bad))
                    .collect::<Result<_, _>>()?,
                accountability: p
                    .accountability
                    .iter()
                    .map(|a| Text::parse(a).map_err(bad))
                    .collect::<Result<_, _>>()?,
                statutory_limit: limit(p.statutory)?,
                promised_limit: limit(p.promised)?,
            },
        });
        for task in p.tasks {
            out.push(C::LinkTaskToPowerItem {
                item_id: id(p.id)?,
                task_id: id(task)?,
            });
        }
    }
    Ok(out)
}

/// The worked boundary example: food safety between agriculture and market supervision, split
/// by stage (agriculture until edible farm products enter a wholesale or retail market or a
/// processing firm, market supervision after), and a matter between two sections of the market
/// supervision bureau that has no ruling yet.
pub fn boundary_commands() -> Result<Vec<(EntityId, BoundaryCommand)>, AppError> {
    let nyj = AGRICULTURE.credit_code().map_err(bad)?;
    let scj = MARKET_SUPERVISION.credit_code().map_err(bad)?;
    let role = |party: &str, role: Role, duty: &str| -> Result<PartyRole, AppError> {
        Ok(PartyRole {
            party_id: id(party)?,
            role,
            duty: Text::parse(duty).map_err(bad)?,
        })
    };
    let food = id("food-safety-edible-farm-products")?;
    let sections = id("msb-registration-food-licensing")?;
    Ok(vec![
        (
            food.clone(),
            BoundaryCommand::RegisterMatter {
                kind: MatterKind::BetweenDepartments,
                field: Name::parse("食品安全").map_err(bad)?,
                title: Name::parse("食用农产品质量安全监管职责边界").map_err(bad)?,
                description: Some(Text::parse("食用农产品从种植养殖到进入市场、加工企业后的质量安全监管衔接").map_err(bad)?),
                parties: vec![
                    Party { party_id: id("nyj")?, department_id: nyj, unit_id: Some(id("nyj-quality")?) },
                    Party { party_id: id("scj")?, department_id: scj.clone(), unit_id: Some(id("msb-food")?) },
                ],
            },
        ),
        (
            food,
            BoundaryCommand::RuleMatter {
                ruling: Ruling {
                    stages: vec![
                        Stage {
                            name: Name::parse("进入批发、零售市场或者生产加工企业前").map_err(bad)?,
                            roles: vec![
                                role("nyj", Role::Lead, "负责食用农产品从种植养殖环节到进入批发、零售市场或者生产加工企业前的质量安全监督管理")?,
                                role("scj", Role::Cooperating, "配合开展监督抽检，共享抽检和风险信息")?,
                            ],
                        },
                        Stage {
                            name: Name::parse("进入批发、零售市场或者生产加工企业后").map_err(bad)?,
                            roles: vec![
                                role("scj", Role::Lead, "负责食用农产品进入批发、零售市场或者生产加工企业后的质量安全监督管理")?,
                                role("nyj", Role::Cooperating, "配合开展产地溯源，移交不合格产品线索")?,
                            ],
                        },
                    ],
                    basis: Text::parse("《中华人民共和国食品安全法》第二条、第六条；《中华人民共和国农产品质量安全法》第七条").map_err(bad)?,
                    mechanisms: vec![Mechanism::InformationSharing, Mechanism::ClueHandover, Mechanism::JointMeeting],
                },
            },
        ),
        (
            sections,
            BoundaryCommand::RegisterMatter {
                kind: MatterKind::BetweenSections,
                field: Name::parse("市场监管").map_err(bad)?,
                title: Name::parse("企业登记与食品生产许可信息衔接").map_err(bad)?,
                description: None,
                parties: vec![
                    Party { party_id: id("registration")?, department_id: scj.clone(), unit_id: Some(id("msb-registration")?) },
                    Party { party_id: id("food")?, department_id: scj, unit_id: Some(id("msb-food")?) },
                ],
            },
        ),
    ])
}

/// Loads the demo data. Commands refused only because their entity exists already are
/// skipped, so a second run appends nothing.
pub async fn seed(state: &AppState) -> Result<SeedReport, AppError> {
    let ctx = RequestContext::new(Actor::system("seed"));
    let mut report = SeedReport::default();
    let since = chrono::DateTime::parse_from_rfc3339(IN_FORCE_SINCE)
        .map_err(|e| AppError::bad_input("seed", e))?
        .with_timezone(&chrono::Utc);
    let when = || When {
        reason: None,
        effective_at: Some(since),
        command_id: None,
    };
    // The working-day calendar: the shipped years (2024-2026), each from its notice's date.
    let (calendar_commands, calendar_events) =
        crate::import::calendar::load_shipped(state, &ctx).await?;
    report.commands += calendar_commands;
    report.events += calendar_events;
    for department in DEPARTMENTS {
        let code = department.credit_code().map_err(bad)?;
        for command in commands(department)? {
            report.commands += 1;
            match state
                .commands
                .execute::<Department>(&ctx, code.as_str(), command.clone(), when())
                .await
            {
                Ok(outcome) => report.events += outcome.events,
                Err(e) if e.already_done() => {}
                Err(e) => return Err(e),
            }
        }
    }
    for (matter, command) in boundary_commands()? {
        report.commands += 1;
        match state
            .commands
            .execute::<BoundaryMatter>(&ctx, matter.as_str(), command, when())
            .await
        {
            Ok(outcome) => report.events += outcome.events,
            Err(e) if e.already_done() => {}
            Err(e) => return Err(e),
        }
    }
    for department in DEPARTMENTS {
        for chunk in records(department)?.chunks(2_000) {
            let batch = chunk
                .iter()
                .map(|r| (r.record_id.clone(), r.parse()))
                .collect();
            let (outcome, _) = state.commands.records(&ctx, batch).await?;
            if let Some(rejected) = outcome.outcomes.iter().find_map(|o| o.rejection.as_ref()) {
                return Err(AppError::bad_input("seed record", rejected));
            }
            report.records += outcome.stored;
        }
    }
    let emergency = EMERGENCY_MANAGEMENT.credit_code().map_err(bad)?;
    workflows::relief(state, &ctx, &emergency, since, &mut report).await?;
    Ok(report)
}

/// Loads the administrative approval bureau's 927 items with their workflow charts in two
/// versions (the re-engineering demo, [`workflows::approval_items`]); after [`seed`]. A second
/// run appends nothing.
pub async fn seed_approval_items(state: &AppState) -> Result<SeedReport, AppError> {
    let ctx = RequestContext::new(Actor::system("seed"));
    let mut report = SeedReport::default();
    let since = chrono::DateTime::parse_from_rfc3339(IN_FORCE_SINCE)
        .map_err(|e| AppError::bad_input("seed", e))?
        .with_timezone(&chrono::Utc);
    let bureau = ADMINISTRATIVE_APPROVAL.credit_code().map_err(bad)?;
    workflows::approval_items(state, &ctx, &bureau, since, &mut report).await?;
    Ok(report)
}

/// Publishes the shipped indicator schemes and runs the demo supervision round (2025, routine,
/// the seed-shaped scheme) to publication ([`supervision::round`]), then its findings,
/// rectification orders, a review and a month of 12345 tickets ([`rectification::demo`]); after
/// [`seed`] and [`seed_approval_items`], so that it scores all the demo data. A second run
/// appends nothing.
pub async fn seed_supervision(state: &AppState) -> Result<SeedReport, AppError> {
    let ctx = RequestContext::new(Actor::system("seed"));
    let mut report = SeedReport::default();
    supervision::round(state, &ctx, &mut report).await?;
    rectification::demo(state, &ctx, &mut report).await?;
    Ok(report)
}

/// Records the demo workflow cases (办件) of 2025-2026 on the relief chart and the approval
/// bureau's items ([`cases`]); after [`seed`] and [`seed_approval_items`], whose structure
/// and charts they run on. A second run appends nothing.
pub async fn seed_cases(state: &AppState) -> Result<SeedReport, AppError> {
    let ctx = RequestContext::new(Actor::system("seed"));
    let mut report = SeedReport::default();
    cases::seed(state, &ctx, &mut report).await?;
    Ok(report)
}
