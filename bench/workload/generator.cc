#include "bench/workload/generator.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace kamgov::bench::workload {
namespace {

enum KeyKind : uint64_t { kAccountKey = 1, kSponsorKey = 2, kProgramKey = 3 };

Key MakeKey(KeyKind kind, int index, bool exclusive = true) {
  return Key{(static_cast<uint64_t>(kind) << 32) | static_cast<uint32_t>(index),
             exclusive};
}

// A set of small ints (account indices) with O(1) insert, erase and
// uniform pick.
class IndexSet {
 public:
  explicit IndexSet(int universe = 0) : pos_(universe, -1) {}
  void Insert(int i) {
    if (pos_[i] >= 0) return;
    pos_[i] = static_cast<int>(items_.size());
    items_.push_back(i);
  }
  void Erase(int i) {
    if (pos_[i] < 0) return;
    const int last = items_.back();
    items_[pos_[i]] = last;
    pos_[last] = pos_[i];
    items_.pop_back();
    pos_[i] = -1;
  }
  bool Contains(int i) const { return pos_[i] >= 0; }
  int size() const { return static_cast<int>(items_.size()); }
  bool empty() const { return items_.empty(); }
  int at(int k) const { return items_[k]; }

 private:
  std::vector<int> items_;
  std::vector<int> pos_;
};

constexpr const char* kFirstNames[] = {
    "Aino",  "Mika",   "Laura", "Jonas", "Sofia", "Ravi",  "Chen",  "Marta",
    "Yuki",  "Pedro",  "Anna",  "Omar",  "Lena",  "Tomas", "Ines",  "Kofi",
    "Hanna", "Mateo",  "Priya", "Erik",  "Nora",  "Luca",  "Zara",  "Felix",
    "Maya",  "Viktor", "Elif",  "Sven",  "Amara", "Hugo",  "Keiko", "Dario"};
constexpr const char* kLastNames[] = {
    "Virtanen", "Schmidt", "Garcia", "Tanaka",    "Rossi",  "Dubois",
    "Kowalski", "Silva",   "Novak",  "Larsen",    "Okafor", "Haddad",
    "Patel",    "Kim",     "Berg",   "Moreau",    "Costa",  "Meyer",
    "Nieminen", "Santos",  "Weber",  "Lindqvist", "Ito",    "Ferreira"};
constexpr const char* kCustomerStems[] = {
    "Nordic", "Atlas",    "Borealis", "Vertex",  "Helix",    "Summit",
    "Aurora", "Meridian", "Cobalt",   "Granite", "Harbor",   "Keystone",
    "Lumen",  "Orion",    "Pioneer",  "Quartz",  "Sterling", "Tundra"};
constexpr const char* kCustomerTrades[] = {
    "Steel", "Foods",  "Logistics", "Energy", "Pharma",    "Retail",
    "Paper", "Motors", "Telecom",   "Bank",   "Chemicals", "Health"};
constexpr const char* kCustomerForms[] = {"Oy",  "AG",   "Inc", "SA",
                                          "Ltd", "GmbH", "AB",  "KK"};
constexpr const char* kRationales[] = {
    "agreed in the monthly KAM review",
    "decided by the leadership team after the account review",
    "the customer asked for a single point of contact",
    "workload rebalanced across the KAM team",
    "follows the annual selection cycle",
    "escalated after the steering meeting with the customer",
    "the sponsor reviewed the account strategy",
    "capacity freed after the portfolio review"};
constexpr const char* kInitiatives[] = {"joint innovation roadmap",
                                        "multi-site service agreement",
                                        "share-of-wallet growth in services",
                                        "executive relationship program",
                                        "co-developed offering for new markets",
                                        "supply chain integration",
                                        "customer satisfaction recovery",
                                        "global pricing alignment"};

struct CriterionSpec {
  const char* id;
  const char* name;
  bool tangible;
  double weight;
};
constexpr CriterionSpec kCriteria[] = {
    {"revenue", "Revenue and size", true, 0.25},
    {"profitability", "Profitability", true, 0.20},
    {"potential", "Unrealized potential value", true, 0.15},
    {"strategic-fit", "Strategic and cultural fit", false, 0.15},
    {"partner-wish", "The customer's wish to partner", false, 0.15},
    {"reputation", "Lead-user status and reputation", false, 0.10}};
constexpr double kThreshold = 6.0;

enum class Status { kNew, kNominated, kDesignated, kDeDesignated, kRejected };

enum class Role { kSenior, kDirector, kSponsor, kUnitHead, kKam, kTeam };

struct Person {
  std::string id;
  Role role;
  int unit = 0;
  int program = -1;  // directors only
  int sponsored = 0;
};

struct Escalation {
  std::string id;
  int account = 0;
  int level = v1::ESCALATION_LEVEL_KEY_ACCOUNT_MANAGER;
  bool acknowledged = false;
  int raised_by = 0;
  std::vector<int> units;
};

struct Account {
  std::string id;
  int program = 0;
  Status status = Status::kNew;
  int manager = -1;
  int sponsor = -1;
  std::vector<int> team;
  int plan_version = 0;
  int plan_author = -1;
  bool plan_reviewed = true;             // nothing to review
  std::vector<std::string> escalations;  // open
};

struct Program {
  ProgramSpec spec;
  int director = 0;  // person index
  int designated = 0;
  // De-designations since the last exclusive command on the program: their
  // slots are not reused before it (see generator.h).
  int freed_since_barrier = 0;
  std::string open_cycle;
  int cycles = 0;
  IndexSet nominatable, nominated, designated_set, pending_reevaluation;
};

}  // namespace

absl::string_view BucketName(Bucket bucket) {
  switch (bucket) {
    case Bucket::kSetup:
      return "setup";
    case Bucket::kPlans:
      return "plans";
    case Bucket::kEngagements:
      return "sponsor_engagements";
    case Bucket::kTeam:
      return "team_changes";
    case Bucket::kEscalations:
      return "escalations";
    case Bucket::kAssignments:
      return "assignments";
    case Bucket::kSelection:
      return "selection";
  }
  return "unknown";
}

double Mix::Share(Bucket bucket) const {
  const double total =
      plans + engagements + team + escalations + assignments + selection;
  double v = 0;
  switch (bucket) {
    case Bucket::kPlans:
      v = plans;
      break;
    case Bucket::kEngagements:
      v = engagements;
      break;
    case Bucket::kTeam:
      v = team;
      break;
    case Bucket::kEscalations:
      v = escalations;
      break;
    case Bucket::kAssignments:
      v = assignments;
      break;
    case Bucket::kSelection:
      v = selection;
      break;
    case Bucket::kSetup:
      break;
  }
  return total > 0 ? v / total : 0;
}

// Everything the generator knows: the organization and its state as of the
// last generated command. One method per command family.
struct Generator::Model {
  Profile profile;
  GeneratorOptions options;
  std::mt19937_64 rng;
  uint64_t seq = 0;
  int64_t today = 0;

  std::vector<Person> persons;
  std::vector<int> seniors, sponsors, kams, team_members;
  std::vector<int> unit_heads;  // by unit
  std::vector<Program> programs;
  std::vector<Account> accounts;
  IndexSet designated;           // all programs
  IndexSet uncovered;            // designated without manager or sponsor
  std::vector<Escalation> open;  // open escalations
  uint64_t escalations_raised = 0;
  uint64_t plans_submitted = 0;
  int accounts_known = 0;

  // A draft command before Finish() numbers it.
  struct Draft {
    Bucket bucket = Bucket::kSetup;
    v1::Command command;
    int actor = -1;
    std::string actor_id;  // when not a person of the model (admin)
    std::vector<Key> keys;
  };

  // ---------------------------------------------------------- randomness --
  double Uniform() { return std::uniform_real_distribution<double>(0, 1)(rng); }
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); }
  bool Chance(double p) { return Uniform() < p; }
  template <typename T, size_t N>
  const T& PickOf(const T (&items)[N]) {
    return items[Pick(static_cast<int>(N))];
  }
  int PickFrom(const std::vector<int>& v) { return v[Pick(v.size())]; }
  double Score(double lo, double hi) {
    return std::round((lo + Uniform() * (hi - lo)) * 10) / 10;
  }

  std::string Id(absl::string_view base) const {
    return absl::StrCat(options.id_prefix, base);
  }
  std::string PersonName(int i) {
    return absl::StrCat(kFirstNames[i % std::size(kFirstNames)], " ",
                        kLastNames[(i / std::size(kFirstNames) + i * 7) %
                                   std::size(kLastNames)]);
  }
  std::string CustomerName(int i) {
    return absl::StrCat(
        kCustomerStems[i % std::size(kCustomerStems)], " ",
        kCustomerTrades[(i / std::size(kCustomerStems)) %
                        std::size(kCustomerTrades)],
        " ", kCustomerForms[(i * 5 + i / 11) % std::size(kCustomerForms)]);
  }

  GeneratedCommand Finish(Draft draft) {
    GeneratedCommand out;
    out.seq = seq++;
    out.bucket = draft.bucket;
    out.command = std::move(draft.command);
    out.keys = std::move(draft.keys);
    out.meta.set_command_id(absl::StrCat(options.command_id_prefix, out.seq));
    out.meta.set_acting_person(draft.actor >= 0 ? persons[draft.actor].id
                                                : draft.actor_id);
    out.meta.set_rationale(PickOf(kRationales));
    return out;
  }
  Draft NewDraft(Bucket bucket, int actor, std::vector<Key> keys) {
    Draft d;
    d.bucket = bucket;
    d.actor = actor;
    d.keys = std::move(keys);
    return d;
  }

  // ---------------------------------------------------------------- setup --
  void Build() {
    const int n_accounts = profile.params.accounts;
    designated = IndexSet(n_accounts);
    uncovered = IndexSet(n_accounts);
    int next_account = 0;
    for (const ProgramSpec& spec : profile.programs) {
      Program p;
      p.spec = spec;
      p.nominatable = p.nominated = p.designated_set = p.pending_reevaluation =
          IndexSet(n_accounts);
      for (int i = 0; i < spec.accounts; ++i) {
        Account a;
        a.id = Id(absl::StrFormat("acct-%04d", next_account + 1));
        a.program = static_cast<int>(programs.size());
        p.nominatable.Insert(next_account);
        accounts.push_back(std::move(a));
        ++next_account;
      }
      programs.push_back(std::move(p));
    }
    auto add = [&](std::string id, Role role, int unit, int program = -1) {
      persons.push_back(Person{Id(id), role, unit, program, 0});
      return static_cast<int>(persons.size()) - 1;
    };
    const int n_units = static_cast<int>(profile.units.size());
    int rr = 0;  // round-robin over units
    for (int i = 0; i < profile.senior_managers; ++i) {
      seniors.push_back(
          add(absl::StrCat("sm-", i + 1), Role::kSenior, rr++ % n_units));
    }
    for (size_t p = 0; p < programs.size(); ++p) {
      programs[p].director = add(absl::StrCat("pd-", programs[p].spec.id),
                                 Role::kDirector, rr++ % n_units, p);
    }
    for (int u = 0; u < n_units; ++u) {
      std::string unit = profile.units[u].id;
      if (unit.rfind("unit-", 0) == 0) unit = unit.substr(5);
      unit_heads.push_back(
          add(absl::StrCat("head-", unit), Role::kUnitHead, u));
    }
    for (int i = 0; i < profile.sponsors; ++i) {
      sponsors.push_back(add(absl::StrFormat("exec-%03d", i + 1),
                             Role::kSponsor, rr++ % n_units));
    }
    for (int i = 0; i < profile.kams; ++i) {
      kams.push_back(
          add(absl::StrFormat("kam-%03d", i + 1), Role::kKam, rr++ % n_units));
    }
    for (int i = 0; i < profile.team_members; ++i) {
      team_members.push_back(add(absl::StrFormat("staff-%04d", i + 1),
                                 Role::kTeam, rr++ % n_units));
    }
  }

  v1::RegisterPerson Registration(int i) {
    const Person& person = persons[i];
    v1::RegisterPerson r;
    r.set_person_id(person.id);
    r.set_name(PersonName(i));
    r.set_unit_id(Id(profile.units[person.unit].id));
    r.set_country(profile.units[person.unit].country);
    v1::RoleAssignment* role = r.add_roles();
    switch (person.role) {
      case Role::kSenior:
        role->set_role(v1::GOVERNANCE_ROLE_SENIOR_MANAGEMENT);
        break;
      case Role::kDirector:
        role->set_role(v1::GOVERNANCE_ROLE_PROGRAM_DIRECTOR);
        role->set_program_id(ProgramId(person.program));
        break;
      case Role::kSponsor:
        role->set_role(v1::GOVERNANCE_ROLE_EXECUTIVE_SPONSOR);
        break;
      case Role::kUnitHead:
        role->set_role(v1::GOVERNANCE_ROLE_UNIT_HEAD);
        break;
      case Role::kKam:
        role->set_role(v1::GOVERNANCE_ROLE_KEY_ACCOUNT_MANAGER);
        break;
      case Role::kTeam:
        role->set_role(v1::GOVERNANCE_ROLE_TEAM_MEMBER);
        break;
    }
    return r;
  }

  std::string ProgramId(int p) const { return Id(programs[p].spec.id); }

  std::vector<std::vector<GeneratedCommand>> Setup() {
    std::vector<std::vector<GeneratedCommand>> phases(4);
    const int founder = seniors[0];
    // 1. The first senior manager: the bootstrap, or registered by the
    // given admin.
    {
      Draft d = NewDraft(Bucket::kSetup, founder, {});
      if (!options.admin_person.empty()) {
        d.actor = -1;
        d.actor_id = options.admin_person;
      }
      *d.command.mutable_register_person() = Registration(founder);
      phases[0].push_back(Finish(std::move(d)));
    }
    // 2. Programs, their criteria and first selection cycle.
    for (size_t p = 0; p < programs.size(); ++p) {
      const ProgramSpec& spec = programs[p].spec;
      const std::vector<Key> keys = {MakeKey(kProgramKey, p)};
      Draft d = NewDraft(Bucket::kSetup, founder, keys);
      v1::EstablishProgram* e = d.command.mutable_establish_program();
      e->set_program_id(ProgramId(p));
      e->set_name(spec.name);
      e->set_level(spec.level);
      e->set_scope(spec.scope);
      phases[1].push_back(Finish(std::move(d)));

      d = NewDraft(Bucket::kSetup, founder, keys);
      v1::PublishSelectionCriteria* c =
          d.command.mutable_publish_selection_criteria();
      c->set_program_id(ProgramId(p));
      c->set_version(1);
      for (const CriterionSpec& spec : kCriteria) {
        v1::CriterionDefinition* def = c->add_criteria();
        def->set_criterion_id(spec.id);
        def->set_name(spec.name);
        def->set_tangible(spec.tangible);
        def->set_weight(spec.weight);
      }
      c->set_designation_threshold(kThreshold);
      c->set_max_key_accounts(spec.max_key_accounts);
      phases[1].push_back(Finish(std::move(d)));
      phases[1].push_back(Finish(OpenCycle(p, founder)));
    }
    // 3. Everyone else.
    for (size_t i = 0; i < persons.size(); ++i) {
      if (static_cast<int>(i) == founder) continue;
      Draft d = NewDraft(Bucket::kSetup, founder, {});
      *d.command.mutable_register_person() = Registration(i);
      phases[2].push_back(Finish(std::move(d)));
    }
    // 4. The portfolio: nominations, then most accounts designated with a
    // manager, a sponsor, a team and a first plan.
    int next_kam = 0, next_sponsor = 0;
    for (size_t p = 0; p < programs.size(); ++p) {
      const int designate = static_cast<int>(
          programs[p].spec.accounts * profile.designated_share + 0.5);
      const int capped = std::min(designate, programs[p].spec.max_key_accounts);
      int done = 0;
      for (size_t a = 0; a < accounts.size(); ++a) {
        if (accounts[a].program != static_cast<int>(p)) continue;
        const int kam = kams[next_kam++ % kams.size()];
        phases[3].push_back(Finish(Nominate(a, kam, Bucket::kSetup)));
        if (done++ >= capped) continue;
        phases[3].push_back(Finish(Designate(a, Bucket::kSetup)));
        phases[3].push_back(Finish(AssignManager(
            a, kam, /*actor=*/programs[p].director, Bucket::kSetup)));
        const int sponsor = sponsors[next_sponsor++ % sponsors.size()];
        phases[3].push_back(Finish(AssignSponsor(a, sponsor, Bucket::kSetup)));
        for (int t = 0; t < profile.initial_team; ++t) {
          std::optional<Draft> add = AddMember(a, Bucket::kSetup);
          if (add.has_value()) phases[3].push_back(Finish(*std::move(add)));
        }
        phases[3].push_back(Finish(SubmitPlan(a, Bucket::kSetup)));
        if (a % 3 != 0) {
          phases[3].push_back(Finish(ReviewPlan(a, Bucket::kSetup)));
        }
      }
    }
    return phases;
  }

  // ------------------------------------------------------ account commands --
  std::vector<Key> AccountKeys(int a, bool program_shared = false) {
    std::vector<Key> keys = {MakeKey(kAccountKey, a)};
    if (program_shared) {
      keys.push_back(MakeKey(kProgramKey, accounts[a].program, false));
    }
    return keys;
  }

  Draft Nominate(int a, int kam, Bucket bucket) {
    Account& acc = accounts[a];
    Program& prog = programs[acc.program];
    Draft d = NewDraft(bucket, kam, AccountKeys(a, true));
    v1::NominateAccount* n = d.command.mutable_nominate_account();
    n->set_account_id(acc.id);
    n->set_program_id(ProgramId(acc.program));
    n->set_customer_name(CustomerName(a));
    n->set_customer_segment(Chance(0.6) ? v1::CUSTOMER_SEGMENT_MAJOR
                                        : v1::CUSTOMER_SEGMENT_MIDDLE_MARKET);
    n->set_criteria_version(1);
    for (int i = 0; i < 3; ++i) {
      v1::CriterionScore* s = n->add_scores();
      s->set_criterion_id(kCriteria[i].id);
      s->set_score(Score(5, 10));
    }
    n->set_evidence(
        "Customer buys from several of our units across sites; the buying "
        "center asked for a single relationship owner.");
    if (acc.status == Status::kNew) ++accounts_known;
    acc.status = Status::kNominated;
    prog.nominatable.Erase(a);
    prog.nominated.Insert(a);
    return d;
  }

  void SetScores(google::protobuf::RepeatedPtrField<v1::CriterionScore>* out,
                 double lo, double hi) {
    for (const CriterionSpec& spec : kCriteria) {
      v1::CriterionScore* s = out->Add();
      s->set_criterion_id(spec.id);
      s->set_score(Score(lo, hi));
    }
  }

  v1::PortfolioClass RandomClass() {
    const double u = Uniform();
    return u < 0.25  ? v1::PORTFOLIO_CLASS_STRATEGIC
           : u < 0.5 ? v1::PORTFOLIO_CLASS_STAR
           : u < 0.8 ? v1::PORTFOLIO_CLASS_STATUS
                     : v1::PORTFOLIO_CLASS_STREAMLINE;
  }

  Draft Designate(int a, Bucket bucket) {
    Account& acc = accounts[a];
    Program& prog = programs[acc.program];
    // Nominators are KAMs, deciders senior managers: never the same person.
    Draft d = NewDraft(bucket, PickFrom(seniors), AccountKeys(a, true));
    v1::DesignateAccount* x = d.command.mutable_designate_account();
    x->set_account_id(acc.id);
    x->set_criteria_version(1);
    SetScores(x->mutable_scores(), kThreshold, 10);
    classes_[a] = RandomClass();
    x->set_portfolio_class(classes_[a]);
    if (!prog.open_cycle.empty()) x->set_cycle_id(prog.open_cycle);
    acc.status = Status::kDesignated;
    prog.nominated.Erase(a);
    prog.designated_set.Insert(a);
    ++prog.designated;
    designated.Insert(a);
    uncovered.Insert(a);
    return d;
  }

  void UpdateCoverage(int a) {
    if (accounts[a].status == Status::kDesignated &&
        (accounts[a].manager < 0 || accounts[a].sponsor < 0)) {
      uncovered.Insert(a);
    } else {
      uncovered.Erase(a);
    }
  }

  Draft AssignManager(int a, int kam, int actor, Bucket bucket) {
    Account& acc = accounts[a];
    const ProgramSpec& spec = programs[acc.program].spec;
    Draft d = NewDraft(bucket, actor, AccountKeys(a));
    v1::AssignKeyAccountManager* m =
        d.command.mutable_assign_key_account_manager();
    m->set_account_id(acc.id);
    m->set_manager_id(persons[kam].id);
    m->set_mode(spec.manager_mode);
    m->set_scope(spec.manager_scope);
    if (acc.manager >= 0) {
      m->set_bonds_considered(true);
      m->set_handover_note(
          "Handover meeting held with the customer's buying center; open "
          "initiatives and contacts transferred.");
    }
    acc.manager = kam;
    UpdateCoverage(a);
    return d;
  }

  Draft AssignSponsor(int a, int sponsor, Bucket bucket) {
    Account& acc = accounts[a];
    std::vector<Key> keys = AccountKeys(a);
    keys.push_back(MakeKey(kSponsorKey, sponsor));
    if (acc.sponsor >= 0) keys.push_back(MakeKey(kSponsorKey, acc.sponsor));
    Draft d = NewDraft(bucket, programs[acc.program].director, keys);
    v1::AssignExecutiveSponsor* s =
        d.command.mutable_assign_executive_sponsor();
    s->set_account_id(acc.id);
    s->set_sponsor_id(persons[sponsor].id);
    if (acc.sponsor >= 0) --persons[acc.sponsor].sponsored;
    ++persons[sponsor].sponsored;
    acc.sponsor = sponsor;
    UpdateCoverage(a);
    return d;
  }

  // The account's team changer: its KAM, else the program's director.
  int TeamChanger(int a) {
    return accounts[a].manager >= 0 ? accounts[a].manager
                                    : programs[accounts[a].program].director;
  }

  std::optional<Draft> AddMember(int a, Bucket bucket) {
    Account& acc = accounts[a];
    for (int attempt = 0; attempt < 8; ++attempt) {
      const int member = PickFrom(team_members);
      if (std::find(acc.team.begin(), acc.team.end(), member) !=
          acc.team.end()) {
        continue;
      }
      Draft d = NewDraft(bucket, TeamChanger(a), AccountKeys(a));
      v1::AddTeamMember* t = d.command.mutable_add_team_member();
      t->set_account_id(acc.id);
      t->set_member_id(persons[member].id);
      const UnitSpec& unit = profile.units[persons[member].unit];
      t->set_expertise(unit.expertise[Pick(unit.expertise.size())]);
      t->set_permanent(Chance(0.7));
      acc.team.push_back(member);
      return d;
    }
    return std::nullopt;
  }

  Draft RemoveMember(int a, Bucket bucket) {
    Account& acc = accounts[a];
    const int k = Pick(acc.team.size());
    Draft d = NewDraft(bucket, TeamChanger(a), AccountKeys(a));
    v1::RemoveTeamMember* t = d.command.mutable_remove_team_member();
    t->set_account_id(acc.id);
    t->set_member_id(persons[acc.team[k]].id);
    acc.team.erase(acc.team.begin() + k);
    return d;
  }

  Draft SubmitPlan(int a, Bucket bucket) {
    Account& acc = accounts[a];
    Draft d = NewDraft(bucket, acc.manager, AccountKeys(a));
    v1::SubmitAccountPlan* s = d.command.mutable_submit_account_plan();
    s->set_account_id(acc.id);
    s->set_plan_version(acc.plan_version + 1);
    s->set_period_start_day(today);
    s->set_period_end_day(today + 365);
    static const char* const kSectionText[] = {
        "",
        "Ten-year relationship across four units; trust is high.",
        "Revenue grew 12% last year; two new sites in scope.",
        "Grow share of wallet in services; defend core contracts.",
        "Plan reviewed with the customer's procurement and R&D leads.",
        "Quarterly executive meeting; monthly operational review.",
        "Initiative owners named; milestones tracked in the KAM report."};
    for (int sec = v1::PLAN_SECTION_RELATIONSHIP_OVERVIEW;
         sec <= v1::PLAN_SECTION_IMPLEMENTATION; ++sec) {
      v1::PlanSectionText* t = s->add_sections();
      t->set_section(static_cast<v1::PlanSection>(sec));
      t->set_text(kSectionText[sec]);
    }
    const int initiatives = 2 + Pick(4);  // 2..5 [seed S3]
    for (int i = 0; i < initiatives; ++i) {
      v1::PlanInitiative* init = s->add_initiatives();
      init->set_initiative_id(absl::StrCat("init-", i + 1));
      init->set_title(PickOf(kInitiatives));
    }
    s->set_value_proposition(
        "Lower total cost of ownership through one integrated service "
        "offering across sites.");
    s->add_metric_ids("share-of-wallet");
    s->add_metric_ids("retention");
    if (Chance(0.5)) s->add_metric_ids("margin");
    s->set_customer_participated(Chance(0.6));
    ++acc.plan_version;
    acc.plan_author = acc.manager;
    acc.plan_reviewed = false;
    ++plans_submitted;
    return d;
  }

  Draft ReviewPlan(int a, Bucket bucket) {
    Account& acc = accounts[a];
    // The sponsor, unless they wrote it; else senior management (who never
    // write plans).
    const int reviewer = acc.sponsor >= 0 && acc.sponsor != acc.plan_author
                             ? acc.sponsor
                             : PickFrom(seniors);
    Draft d = NewDraft(bucket, reviewer, AccountKeys(a));
    v1::ReviewAccountPlan* r = d.command.mutable_review_account_plan();
    r->set_account_id(acc.id);
    r->set_plan_version(acc.plan_version);
    const double u = Uniform();
    r->set_outcome(u < 0.7    ? v1::PLAN_REVIEW_OUTCOME_APPROVED
                   : u < 0.95 ? v1::PLAN_REVIEW_OUTCOME_CHANGES_REQUESTED
                              : v1::PLAN_REVIEW_OUTCOME_REJECTED);
    r->set_comments(
        "Initiatives are concrete; align the metrics with the customer's "
        "own targets before the next review.");
    acc.plan_reviewed = true;
    return d;
  }

  // A designated account satisfying `ok`, or -1.
  template <typename Pred>
  int RandomDesignated(Pred ok) {
    if (designated.empty()) return -1;
    for (int attempt = 0; attempt < 16; ++attempt) {
      const int a = designated.at(Pick(designated.size()));
      if (ok(accounts[a])) return a;
    }
    const int start = Pick(designated.size());
    for (int k = 0; k < designated.size(); ++k) {
      const int a = designated.at((start + k) % designated.size());
      if (ok(accounts[a])) return a;
    }
    return -1;
  }

  // ------------------------------------------------------------- buckets --
  std::optional<Draft> Plans() {
    const int a =
        RandomDesignated([](const Account& x) { return x.manager >= 0; });
    if (a < 0) return std::nullopt;
    const Account& acc = accounts[a];
    if (acc.plan_version > 0 && !acc.plan_reviewed) {
      return ReviewPlan(a, Bucket::kPlans);
    }
    return SubmitPlan(a, Bucket::kPlans);
  }

  std::optional<Draft> Engagement() {
    const int a =
        RandomDesignated([](const Account& x) { return x.sponsor >= 0; });
    if (a < 0) return std::nullopt;
    const Account& acc = accounts[a];
    const int logger =
        acc.manager >= 0 && Chance(0.3) ? acc.manager : acc.sponsor;
    Draft d = NewDraft(Bucket::kEngagements, logger, AccountKeys(a));
    v1::LogSponsorEngagement* e = d.command.mutable_log_sponsor_engagement();
    e->set_account_id(acc.id);
    const double u = Uniform();
    e->set_kind(u < 0.55   ? v1::ENGAGEMENT_KIND_MEETING
                : u < 0.75 ? v1::ENGAGEMENT_KIND_BRIEFED
                : u < 0.9  ? v1::ENGAGEMENT_KIND_STRATEGY_REVIEWED
                           : v1::ENGAGEMENT_KIND_ROLES_AGREED);
    return d;
  }

  std::optional<Draft> Team() {
    const int a = RandomDesignated([](const Account&) { return true; });
    if (a < 0) return std::nullopt;
    const size_t size = accounts[a].team.size();
    if (size >= 6 || (size >= 2 && Chance(0.45))) {
      return RemoveMember(a, Bucket::kTeam);
    }
    std::optional<Draft> add = AddMember(a, Bucket::kTeam);
    if (add.has_value() || size == 0) return add;
    return RemoveMember(a, Bucket::kTeam);
  }

  // Who holds the authority of `level` on escalation `e` (decide_escalation
  // AuthorityOf); -1 when nobody does (no sponsor at the top).
  int Authority(const Escalation& e, int level) {
    const Account& acc = accounts[e.account];
    switch (level) {
      case v1::ESCALATION_LEVEL_KEY_ACCOUNT_MANAGER:
        return acc.manager >= 0 ? acc.manager : programs[acc.program].director;
      case v1::ESCALATION_LEVEL_UNIT_HEAD:
        return unit_heads[e.units[0]];
      case v1::ESCALATION_LEVEL_PROGRAM_DIRECTOR:
        return programs[acc.program].director;
      default:
        return acc.sponsor;
    }
  }

  void CloseEscalation(size_t k) {
    Account& acc = accounts[open[k].account];
    acc.escalations.erase(
        std::find(acc.escalations.begin(), acc.escalations.end(), open[k].id));
    open[k] = std::move(open.back());
    open.pop_back();
  }

  std::optional<Draft> Escalations() {
    const size_t cap = std::max<size_t>(4, designated.size() / 4);
    if (!open.empty() && (open.size() >= cap || Chance(0.6))) {
      return Advance(Pick(open.size()));
    }
    const int a = RandomDesignated([](const Account&) { return true; });
    if (a < 0) return std::nullopt;
    Account& acc = accounts[a];
    Escalation e;
    e.id = Id(absl::StrCat("esc-", ++escalations_raised));
    e.account = a;
    e.raised_by = acc.manager >= 0 && Chance(0.6) ? acc.manager
                  : !acc.team.empty() ? acc.team[Pick(acc.team.size())]
                                      : programs[acc.program].director;
    e.units.push_back(persons[e.raised_by].unit);
    if (Chance(0.5)) {
      const int other = Pick(profile.units.size());
      if (other != e.units[0]) e.units.push_back(other);
    }
    Draft d = NewDraft(Bucket::kEscalations, e.raised_by, AccountKeys(a));
    v1::RaiseEscalation* r = d.command.mutable_raise_escalation();
    r->set_escalation_id(e.id);
    r->set_account_id(acc.id);
    r->set_category(static_cast<v1::EscalationCategory>(
        1 + Pick(v1::EscalationCategory_MAX)));
    for (int u : e.units) r->add_units_involved(Id(profile.units[u].id));
    r->set_description(
        "Two units quote the customer different prices for the same "
        "service; the customer's buyer complained to the KAM.");
    acc.escalations.push_back(e.id);
    open.push_back(std::move(e));
    return d;
  }

  Draft Advance(size_t k) {
    Escalation& e = open[k];
    const Account& acc = accounts[e.account];
    const std::vector<Key> keys = AccountKeys(e.account);
    if (!e.acknowledged) {
      Draft d = NewDraft(Bucket::kEscalations, Authority(e, e.level), keys);
      d.command.mutable_acknowledge_escalation()->set_escalation_id(e.id);
      e.acknowledged = true;
      return d;
    }
    static const double kResolveAt[] = {0, 0.45, 0.5, 0.7, 1.0};
    const bool top =
        e.level == v1::ESCALATION_LEVEL_PROGRAM_DIRECTOR && acc.sponsor < 0;
    if (e.level < v1::ESCALATION_LEVEL_EXECUTIVE_SPONSOR && !top &&
        !Chance(kResolveAt[e.level])) {
      Draft d = NewDraft(Bucket::kEscalations, e.raised_by, keys);
      d.command.mutable_raise_escalation_level()->set_escalation_id(e.id);
      ++e.level;
      e.acknowledged = false;
      return d;
    }
    const int resolver = Authority(e, e.level);
    if (resolver < 0) {  // at the top without a sponsor: the raiser withdraws
      Draft d = NewDraft(Bucket::kEscalations, e.raised_by, keys);
      d.command.mutable_withdraw_escalation()->set_escalation_id(e.id);
      CloseEscalation(k);
      return d;
    }
    Draft d = NewDraft(Bucket::kEscalations, resolver, keys);
    v1::ResolveEscalation* r = d.command.mutable_resolve_escalation();
    r->set_escalation_id(e.id);
    r->set_decision(
        "One price list for the customer; the account team owns the quote.");
    const int actions = 1 + Pick(3);
    for (int i = 0; i < actions; ++i) {
      r->add_actions(absl::StrCat("action ", i + 1,
                                  ": align the units' offers before the next "
                                  "customer meeting"));
    }
    CloseEscalation(k);
    return d;
  }

  int SponsorWithRoom(int except) {
    for (int attempt = 0; attempt < 32; ++attempt) {
      const int s = PickFrom(sponsors);
      if (s != except && persons[s].sponsored < 3) return s;
    }
    for (int s : sponsors) {
      if (s != except && persons[s].sponsored < 3) return s;
    }
    return -1;
  }

  std::optional<Draft> Assignments() {
    int a = uncovered.empty() ? -1 : uncovered.at(Pick(uncovered.size()));
    const bool fill = a >= 0;
    if (!fill) a = RandomDesignated([](const Account&) { return true; });
    if (a < 0) return std::nullopt;
    Account& acc = accounts[a];
    const int actor =
        Chance(0.3) ? PickFrom(seniors) : programs[acc.program].director;
    const bool manager = fill ? acc.manager < 0 : Chance(0.5);
    if (manager) {
      int kam = PickFrom(kams);
      if (kam == acc.manager) {
        if (kams.size() < 2) return std::nullopt;
        kam =
            kams[(std::find(kams.begin(), kams.end(), kam) - kams.begin() + 1) %
                 kams.size()];
      }
      return AssignManager(a, kam, actor, Bucket::kAssignments);
    }
    const int sponsor = SponsorWithRoom(acc.sponsor);
    if (sponsor < 0) return std::nullopt;
    Draft d = AssignSponsor(a, sponsor, Bucket::kAssignments);
    d.actor = actor;
    return d;
  }

  // ---------------------------------------------------------- selection --
  Draft OpenCycle(int p, int actor) {
    Program& prog = programs[p];
    Draft d = NewDraft(Bucket::kSetup, actor, {MakeKey(kProgramKey, p)});
    prog.open_cycle = Id(absl::StrCat(prog.spec.id, "-cycle-", ++prog.cycles));
    v1::OpenSelectionCycle* o = d.command.mutable_open_selection_cycle();
    o->set_program_id(ProgramId(p));
    o->set_cycle_id(prog.open_cycle);
    o->set_due_day(today + 330);  // annual [seed S3], within 12 months
    prog.pending_reevaluation = prog.designated_set;
    prog.freed_since_barrier = 0;
    return d;
  }

  Draft CloseCycle(int p) {
    Program& prog = programs[p];
    Draft d =
        NewDraft(Bucket::kSelection, prog.director, {MakeKey(kProgramKey, p)});
    v1::CloseSelectionCycle* c = d.command.mutable_close_selection_cycle();
    c->set_program_id(ProgramId(p));
    c->set_cycle_id(prog.open_cycle);
    prog.open_cycle.clear();
    prog.freed_since_barrier = 0;
    return d;
  }

  // The model's side of a de-designation (or a DESELECTED re-evaluation):
  // releases, closed escalations, the slot freed after the next barrier.
  void DeDesignated(int a) {
    Account& acc = accounts[a];
    Program& prog = programs[acc.program];
    acc.status = Status::kDeDesignated;
    --prog.designated;
    ++prog.freed_since_barrier;
    prog.designated_set.Erase(a);
    prog.pending_reevaluation.Erase(a);
    prog.nominatable.Insert(a);
    designated.Erase(a);
    uncovered.Erase(a);
    if (acc.sponsor >= 0) --persons[acc.sponsor].sponsored;
    acc.sponsor = -1;
    acc.manager = -1;
    acc.plan_reviewed = true;  // the plan is closed
    for (size_t k = open.size(); k-- > 0;) {
      if (open[k].account == a) CloseEscalation(k);
    }
  }

  std::vector<Key> DeDesignationKeys(int a) {
    std::vector<Key> keys = AccountKeys(a, true);
    if (accounts[a].sponsor >= 0) {
      keys.push_back(MakeKey(kSponsorKey, accounts[a].sponsor));
    }
    return keys;
  }

  std::optional<Draft> Selection() {
    const int p = Pick(programs.size());
    Program& prog = programs[p];
    if (prog.open_cycle.empty()) {
      Draft d = OpenCycle(p, prog.director);
      d.bucket = Bucket::kSelection;
      return d;
    }
    if (prog.pending_reevaluation.empty()) return CloseCycle(p);
    // Weighted choice among what is possible now.
    const bool can_designate =
        !prog.nominated.empty() &&
        prog.designated + prog.freed_since_barrier < prog.spec.max_key_accounts;
    const double w[] = {
        prog.nominatable.empty() ? 0 : 2.0,         // nominate
        can_designate ? 2.0 : 0,                    // designate
        prog.nominated.empty() ? 0 : 0.3,           // reject
        3.0,                                        // re-evaluate
        prog.designated_set.size() > 1 ? 0.5 : 0};  // de-designate
    double total = 0;
    for (double x : w) total += x;
    double u = Uniform() * total;
    int op = 0;
    while (op < 4 && u >= w[op]) u -= w[op++];
    switch (op) {
      case 0:
        return Nominate(prog.nominatable.at(Pick(prog.nominatable.size())),
                        PickFrom(kams), Bucket::kSelection);
      case 1:
        return Designate(prog.nominated.at(Pick(prog.nominated.size())),
                         Bucket::kSelection);
      case 2: {
        const int a = prog.nominated.at(Pick(prog.nominated.size()));
        Draft d = NewDraft(Bucket::kSelection, PickFrom(seniors),
                           AccountKeys(a, true));
        d.command.mutable_reject_nomination()->set_account_id(accounts[a].id);
        accounts[a].status = Status::kRejected;
        prog.nominated.Erase(a);
        prog.nominatable.Insert(a);
        return d;
      }
      case 3:
        return Reevaluate(prog.pending_reevaluation.at(
            Pick(prog.pending_reevaluation.size())));
      default:
        return DeDesignate(
            prog.designated_set.at(Pick(prog.designated_set.size())));
    }
  }

  Draft Reevaluate(int a) {
    Account& acc = accounts[a];
    Program& prog = programs[acc.program];
    const double u = Uniform();
    const v1::ReevaluationOutcome outcome =
        u < 0.8    ? v1::REEVALUATION_OUTCOME_RETAINED
        : u < 0.92 ? v1::REEVALUATION_OUTCOME_RECLASSIFIED
                   : v1::REEVALUATION_OUTCOME_DESELECTED;
    const bool deselected = outcome == v1::REEVALUATION_OUTCOME_DESELECTED;
    Draft d =
        NewDraft(Bucket::kSelection, PickFrom(seniors),
                 deselected ? DeDesignationKeys(a) : AccountKeys(a, true));
    v1::ReevaluateAccount* r = d.command.mutable_reevaluate_account();
    r->set_account_id(acc.id);
    r->set_cycle_id(prog.open_cycle);
    r->set_criteria_version(1);
    if (deselected) {
      SetScores(r->mutable_scores(), 1, 5);
      r->set_close_open_escalations(true);
    } else {
      SetScores(r->mutable_scores(), kThreshold, 10);
    }
    r->set_outcome(outcome);
    prog.pending_reevaluation.Erase(a);
    if (outcome == v1::REEVALUATION_OUTCOME_RECLASSIFIED) {
      r->set_new_class(NextClass(a));
    }
    if (deselected) DeDesignated(a);
    return d;
  }

  // Each account's portfolio class, tracked to reclassify to another one.
  std::vector<v1::PortfolioClass> classes_;
  v1::PortfolioClass NextClass(int a) {
    v1::PortfolioClass& current = classes_[a];
    v1::PortfolioClass next = RandomClass();
    if (next == current) {
      next = static_cast<v1::PortfolioClass>(current % 4 + 1);
    }
    current = next;
    return next;
  }

  Draft DeDesignate(int a) {
    Account& acc = accounts[a];
    Program& prog = programs[acc.program];
    std::vector<Key> keys = DeDesignationKeys(a);
    Draft d = NewDraft(Bucket::kSelection, PickFrom(seniors), {});
    v1::DeDesignateAccount* x = d.command.mutable_de_designate_account();
    x->set_account_id(acc.id);
    x->set_close_open_escalations(true);
    // MERGED into another designated account of the program (which exists,
    // and its key orders the two), else LOST.
    int into = -1;
    if (Chance(0.3)) {
      into = prog.designated_set.at(Pick(prog.designated_set.size()));
      if (into == a) into = -1;
    }
    if (into >= 0) {
      x->set_reason(v1::DE_DESIGNATION_REASON_MERGED);
      x->set_merged_into_account_id(accounts[into].id);
      keys.push_back(MakeKey(kAccountKey, into));
    } else {
      x->set_reason(Chance(0.5) ? v1::DE_DESIGNATION_REASON_LOST
                                : v1::DE_DESIGNATION_REASON_DESELECTED);
    }
    d.keys = std::move(keys);
    DeDesignated(a);
    return d;
  }

  GeneratedCommand Next() {
    const Bucket order[] = {Bucket::kPlans,       Bucket::kEngagements,
                            Bucket::kTeam,        Bucket::kEscalations,
                            Bucket::kAssignments, Bucket::kSelection};
    for (;;) {
      double u = Uniform();
      Bucket bucket = Bucket::kSelection;
      for (Bucket b : order) {
        const double share = options.mix.Share(b);
        if (u < share) {
          bucket = b;
          break;
        }
        u -= share;
      }
      std::optional<Draft> d;
      switch (bucket) {
        case Bucket::kPlans:
          d = Plans();
          break;
        case Bucket::kEngagements:
          d = Engagement();
          break;
        case Bucket::kTeam:
          d = Team();
          break;
        case Bucket::kEscalations:
          d = Escalations();
          break;
        case Bucket::kAssignments:
          d = Assignments();
          break;
        default:
          d = Selection();
          break;
      }
      if (d.has_value()) {
        d->bucket = bucket;
        return Finish(*std::move(d));
      }
    }
  }
};

absl::StatusOr<std::unique_ptr<Generator>> Generator::Create(
    const ProfileParams& params, GeneratorOptions options) {
  absl::StatusOr<Profile> profile = MakeProfile(params);
  if (!profile.ok()) return profile.status();
  return Create(*std::move(profile), std::move(options));
}

absl::StatusOr<std::unique_ptr<Generator>> Generator::Create(
    Profile profile, GeneratorOptions options) {
  auto model = std::make_unique<Model>();
  if (options.command_id_prefix.empty()) {
    options.command_id_prefix =
        absl::StrCat("wl-", profile.params.name, "-", profile.params.seed, "-",
                     options.id_prefix, "-");
  }
  model->today = options.today_day >= 0
                     ? options.today_day
                     : absl::ToUnixSeconds(absl::Now()) / 86400;
  model->rng.seed(profile.params.seed);
  model->profile = std::move(profile);
  model->options = std::move(options);
  model->Build();
  model->classes_.assign(model->accounts.size(),
                         v1::PORTFOLIO_CLASS_UNSPECIFIED);
  return std::unique_ptr<Generator>(new Generator(std::move(model)));
}

Generator::Generator(std::unique_ptr<Model> model) : model_(std::move(model)) {}
Generator::~Generator() = default;

std::vector<std::vector<GeneratedCommand>> Generator::Setup() {
  return model_->Setup();
}

GeneratedCommand Generator::Next() { return model_->Next(); }

const Profile& Generator::profile() const { return model_->profile; }

Generator::Summary Generator::summary() const {
  Summary s;
  s.persons = static_cast<int>(model_->persons.size());
  s.programs = static_cast<int>(model_->programs.size());
  s.accounts_known = model_->accounts_known;
  s.designated = model_->designated.size();
  s.open_escalations = static_cast<int>(model_->open.size());
  s.escalations_raised = static_cast<int>(model_->escalations_raised);
  s.plans_submitted = static_cast<int>(model_->plans_submitted);
  return s;
}

}  // namespace kamgov::bench::workload
