//! Demo data: a vendor, customers and a partner with accounts of every kind, people in
//! their organisations' domains, memberships with mixed roles, and cases. The same seed
//! and date give the same data. Rows go in with multi-row inserts, in batches, so that a
//! million members take minutes, not hours.

use std::collections::HashMap;

use anyhow::Context;
use app::backend::db::{Arg, Db, Sql, Tx};
use app::backend::mail::EmailAddress;
use app::backend::roles::Catalogue;
use app::{on_db, sql};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

const DAY: i64 = 86_400;

const FIRST: &[&str] = &[
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Amelia",
    "Oliver",
    "Ava",
    "Elijah",
    "Sophia",
    "James",
    "Isabella",
    "William",
    "Mia",
    "Benjamin",
    "Charlotte",
    "Lucas",
    "Harper",
    "Henry",
    "Evelyn",
    "Theodore",
    "Aisha",
    "Mateo",
    "Priya",
    "Arjun",
    "Mei",
    "Hiroshi",
    "Yuki",
    "Sven",
    "Ingrid",
    "Lars",
    "Fatima",
    "Omar",
    "Zara",
    "Diego",
    "Lucia",
    "Carlos",
    "Elena",
    "Marco",
    "Giulia",
    "Pierre",
    "Camille",
    "Hannah",
    "Lukas",
    "Anna",
    "Jakub",
    "Zofia",
    "Olga",
    "Ivan",
    "Chloe",
    "Ethan",
    "Grace",
    "Samuel",
    "Nora",
    "David",
    "Leah",
    "Daniel",
    "Ruth",
    "Joseph",
    "Maya",
    "Aaron",
    "Tomás",
    "Siobhan",
    "Niamh",
    "Kwame",
    "Amara",
    "Chen",
    "Wei",
    "Ravi",
    "Anika",
    "Jonas",
    "Freya",
    "Mohammed",
    "Layla",
    "Hugo",
    "Iris",
    "Felix",
    "Clara",
    "Oscar",
    "Alice",
    "Simon",
];

const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Kowalski",
    "Novak",
    "Müller",
    "Schmidt",
    "Rossi",
    "Bianchi",
    "Dubois",
    "Moreau",
    "Tanaka",
    "Sato",
    "Kim",
    "Park",
    "Patel",
    "Sharma",
    "Okafor",
    "Mensah",
    "O'Brien",
    "Murphy",
    "Andersson",
    "Johansson",
    "Nielsen",
    "Hansen",
    "Ivanova",
    "Petrov",
    "Cohen",
    "Levi",
    "Haddad",
    "Costa",
    "Silva",
    "Wang",
];

const OTHER_DOMAINS: &[&str] = &["contractors.example", "mail.example", "consultancy.example"];

const CASE_TITLES: &[&str] = &[
    "Login page times out for some users",
    "Upgrade to 8.4 fails on schema step",
    "Request for licence key renewal",
    "Performance degradation in reporting",
    "SSO certificate rollover",
    "Data export job stuck in queue",
    "Security advisory follow-up",
    "Question about backup retention",
    "Email notifications not delivered",
    "API rate limit increase",
];

/// What the demo's pulse feeds say after "Case opened." (a case has the first few).
const PULSE_REPLIES: &[&str] = &[
    "We can reproduce this on our side too. Logs attached to the case.",
    "Thanks, the support engineer is looking into it.",
    "A workaround is in place; we are waiting for the fix.",
];

pub struct SeedOptions {
    /// Members of the large demo account (Northwind Production).
    pub members: usize,
    pub seed: u64,
    /// The day the data is relative to (Unix seconds); sign-ins spread over two years before it.
    pub now: i64,
}

pub struct SeedReport {
    pub people: usize,
    pub memberships: usize,
    pub cases: usize,
}

/// True when the database holds no organisations yet.
pub async fn is_empty(db: &Db) -> anyhow::Result<bool> {
    let n: i64 = on_db!(db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM organisations").fetch_one(pool).await?);
    Ok(n == 0)
}

struct Org {
    name: &'static str,
    kind: &'static str,
    domains: &'static [&'static str],
}

struct AccountPlan {
    org: usize,
    name: &'static str,
    org_id: &'static str,
    kind: &'static str,
    government_cloud: bool,
    projects: &'static [&'static str],
    /// Members; `None` means the requested large number.
    members: Option<usize>,
}

const ORGS: &[Org] = &[
    Org { name: "Roster Software", kind: "vendor", domains: &["roster.example"] },
    Org { name: "Northwind Traders", kind: "customer", domains: &["northwind.example", "northwind-traders.example"] },
    Org { name: "Contoso Health", kind: "customer", domains: &["contoso.example"] },
    Org { name: "Globex Public Sector", kind: "customer", domains: &["globex.example"] },
    Org { name: "Initech Partners", kind: "partner", domains: &["initech.example"] },
    Org { name: "Umbrella Partners", kind: "partner", domains: &["umbrella.example"] },
];

const ACCOUNTS: &[AccountPlan] = &[
    AccountPlan {
        org: 1,
        name: "Northwind Production",
        org_id: "NW-1001",
        kind: "cloud",
        government_cloud: false,
        projects: &["web-store", "logistics", "analytics"],
        members: None,
    },
    AccountPlan {
        org: 1,
        name: "Northwind On-Premises",
        org_id: "NW-1002",
        kind: "on-premises",
        government_cloud: false,
        projects: &[],
        members: Some(40),
    },
    AccountPlan {
        org: 2,
        name: "Contoso Health Cloud",
        org_id: "CH-2001",
        kind: "client-managed cloud",
        government_cloud: false,
        projects: &["patient-portal", "claims"],
        members: Some(60),
    },
    AccountPlan {
        org: 3,
        name: "Globex GovCloud",
        org_id: "GX-3001",
        kind: "cloud",
        government_cloud: true,
        projects: &["citizen-services"],
        members: Some(35),
    },
    AccountPlan {
        org: 4,
        name: "Initech Support Desk",
        org_id: "IN-4001",
        kind: "on-premises",
        government_cloud: false,
        projects: &[],
        members: Some(25),
    },
    AccountPlan {
        org: 3,
        name: "Globex Records",
        org_id: "GX-3002",
        kind: "on-premises",
        government_cloud: false,
        projects: &[],
        members: Some(12),
    },
    // Its members are picked below: Northwind's own people, asleep since Initech took it
    // over, and Initech's.
    AccountPlan {
        org: 1,
        name: "Northwind Field Sites",
        org_id: "NW-1003",
        kind: "on-premises",
        government_cloud: false,
        projects: &[],
        members: Some(0),
    },
    // The same for Contoso: its own people asleep, Initech's at work.
    AccountPlan {
        org: 2,
        name: "Contoso Research",
        org_id: "CH-2002",
        kind: "client-managed cloud",
        government_cloud: false,
        projects: &[],
        members: Some(0),
    },
];

/// The partner organisation of the demo (an index into `ORGS`) and the deployments it
/// supports (indices into `ACCOUNTS`): four deployments of three customers.
const PARTNER: usize = 4;
const SUPPORTED: [usize; 4] = [FIELD_SITES, RESEARCH, 3, 5];
/// Northwind Field Sites, which Initech supports: Adam Admin still administers it on
/// paper, but while Initech supports it his membership gives him no access (seed 004).
const FIELD_SITES: usize = 6;
/// Contoso Research, which Initech supports; Contoso Health Cloud it does not.
const RESEARCH: usize = 7;

/// The support access level (key, role bits as in `support_levels`) a partner member
/// holds on a supported deployment: Paula Partner (person 4) has Technical support on
/// Northwind Field Sites and Case handling on Contoso Research; others vary.
fn partner_level(person: usize, account: usize) -> (&'static str, i64) {
    const LEVELS: [(&str, i64); 3] = [("case_handling", 1), ("technical", 5), ("full", 53)];
    match (person, account) {
        (4, FIELD_SITES) => LEVELS[1],
        (4, _) => LEVELS[0],
        _ => LEVELS[(person + account) % 3],
    }
}

/// Named people every demo has: one per persona, and people to add in the demo (and
/// the end-to-end tests): registered but in no account yet, or not registered at all.
const PERSONAS: &[(&str, &str, usize, bool)] = &[
    // (name, email, organisation index, registered)
    ("Olivia Operator", "olivia.operator@roster.example", 0, true),
    ("Adam Admin", "adam.admin@northwind.example", 1, true),
    ("Carla Contact", "carla.contact@northwind.example", 1, true),
    ("Ivan Inactive", "ivan.inactive@northwind.example", 1, true),
    ("Paula Partner", "paula.partner@initech.example", 4, true),
    ("Nina Newcomer", "nina.newcomer@northwind.example", 1, true),
    ("Oscar Outsider", "oscar.outsider@contractors.example", 1, true),
    ("Uma Unregistered", "uma.unregistered@northwind.example", 1, false),
    ("Alex Approver", "alex.approver@initech.example", 4, true),
    ("Pete Approver", "pete.approver@initech.example", 4, true),
];

/// Alex Approver (person 8) approves requests for every deployment Initech supports,
/// Pete Approver (person 9) for Globex GovCloud only; neither is a contact of one.
const ALL_DEPLOYMENTS_APPROVER: usize = 8;
const ONE_DEPLOYMENT_APPROVER: usize = 9;

/// Rita Rival approves for every deployment of another partner, Umbrella Partners, and
/// nothing of Initech's. Added after the generated people, so that they stay as they were.
const RIVAL: (&str, &str, usize) = ("Rita Rival", "rita.rival@umbrella.example", 5);

/// Runs `$body` with `$conn` bound to the transaction's connection, whichever backend.
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            Tx::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

/// Accumulates the rows of one table and writes them in multi-row INSERTs.
struct Batch {
    head: String,
    cols: usize,
    rows: usize,
    sql: Sql,
}

impl Batch {
    fn new(table: &str, columns: &[&str]) -> Self {
        Batch {
            head: format!("INSERT INTO {table} ({}) VALUES ", columns.join(", ")),
            cols: columns.len(),
            rows: 0,
            sql: Sql::default(),
        }
    }

    async fn push(&mut self, tx: &mut Tx, row: Vec<Arg>) -> anyhow::Result<()> {
        debug_assert_eq!(row.len(), self.cols);
        if self.rows == 0 {
            self.sql = Sql::new(&self.head);
        } else {
            self.sql.push(", ");
        }
        self.sql.bind_list(row);
        self.rows += 1;
        // Both databases take at least 32,766 parameters per statement.
        if (self.rows + 1) * self.cols > 30_000 {
            self.flush(tx).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, tx: &mut Tx) -> anyhow::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let mut sql = std::mem::take(&mut self.sql);
        if let Tx::Sqlite(_) = tx {
            // SQLite keeps numbered and named parameters in a list it searches one by
            // one (when parsing, and again when each is bound), which is quadratic in
            // the 30,000 parameters of a batch. Plain `?`s, numbered by position, are
            // not listed. The batch's placeholders are in order, each used once.
            sql.text = anonymous_placeholders(&sql.text);
        }
        on_tx!(tx, conn => app::bind_args!(sqlx::query(&sql.text), &sql.args).execute(conn).await.map(|_| ()))
            .with_context(|| format!("seeding: {}", self.head))?;
        self.rows = 0;
        Ok(())
    }
}

/// `$1, $2, …` as `?, ?, …` (for SQL holding no `$` but its placeholders).
fn anonymous_placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' {
            out.push('?');
            while chars.next_if(char::is_ascii_digit).is_some() {}
        } else {
            out.push(c);
        }
    }
    out
}

async fn next_id(tx: &mut Tx, table: &str) -> anyhow::Result<i64> {
    let sql = format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}");
    Ok(on_tx!(tx, conn => sqlx::query_scalar::<_, i64>(&sql).fetch_one(conn).await?))
}

fn int(v: i64) -> Arg {
    Arg::Int(v)
}
fn text(v: impl Into<String>) -> Arg {
    Arg::Text(v.into())
}
fn boolean(v: bool) -> Arg {
    Arg::Bool(v)
}
fn opt_int(v: Option<i64>) -> Arg {
    Arg::from(v)
}

/// A generated person.
struct Person {
    id: i64,
    name: String,
    email: String,
    registered: bool,
    last_sign_in: i64,
    org: usize,
}

/// Creates the demo data set. Run on an empty database.
///
/// Everything goes in in one transaction. The secondary indexes and triggers of the
/// large tables are dropped inside it and created again once the rows are in (with the
/// search index rebuilt in one go), which is many times faster than maintaining them
/// row by row; other connections never see the tables without them, and a failed seed
/// leaves nothing behind.
pub async fn seed(db: &Db, opts: &SeedOptions) -> anyhow::Result<SeedReport> {
    seed_if_empty(db, opts).await?.context("the database already holds data; seed an empty one")
}

/// `seed`, unless the database holds data already (None). Instances started together on
/// one PostgreSQL database take turns here (a transaction-scoped advisory lock): the
/// first seeds, the others then find its data instead of failing on it.
pub async fn seed_if_empty(db: &Db, opts: &SeedOptions) -> anyhow::Result<Option<SeedReport>> {
    let mut tx = db.begin().await?;
    if let Tx::Postgres(t) = &mut tx {
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(SEED_LOCK).execute(&mut **t).await?;
    }
    let orgs: Vec<(i64,)> = tx.fetch_all(&sql!("SELECT id FROM organisations LIMIT 1")).await?;
    if !orgs.is_empty() {
        return Ok(None);
    }
    let deferred = drop_secondary(&mut tx).await?;
    let report = insert_all(&mut tx, opts).await?;
    restore_secondary(&mut tx, &deferred).await?;
    tx.commit().await?;
    after_bulk_load(db).await?;
    set_demo_passwords(db).await?;
    Ok(Some(report))
}

/// The advisory lock key of seeding ("Roster" in ASCII).
const SEED_LOCK: i64 = 0x526f_7374_6572;

/// The tables whose secondary indexes (and triggers) are built after the rows are in.
const BULK_TABLES: [&str; 2] = ["people", "memberships"];

/// `CREATE …` statements of what was dropped, to run again after the load.
struct Deferred {
    statements: Vec<String>,
}

/// Drops the secondary indexes and triggers of `BULK_TABLES` (not those behind PRIMARY
/// KEY or UNIQUE constraints, which keep the data valid), returning how to recreate them.
async fn drop_secondary(tx: &mut Tx) -> anyhow::Result<Deferred> {
    let mut found: Vec<(String, String, String)> = Vec::new(); // (kind, name, create statement)
    for table in BULK_TABLES {
        let rows: Vec<(String, String, String)> =
            match tx {
                Tx::Sqlite(t) => sqlx::query_as(
                    "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = $1 AND type IN ('index', 'trigger') \
                     AND sql IS NOT NULL ORDER BY type, name",
                )
                .bind(table)
                .fetch_all(&mut **t)
                .await?,
                Tx::Postgres(t) => {
                    sqlx::query_as(
                        "SELECT 'index', i.relname::text, pg_get_indexdef(i.oid) FROM pg_index x \
                     JOIN pg_class i ON i.oid = x.indexrelid \
                     WHERE x.indrelid = $1::regclass \
                     AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) \
                     ORDER BY i.relname",
                    )
                    .bind(table)
                    .fetch_all(&mut **t)
                    .await?
                }
            };
        found.extend(rows);
    }
    for (kind, name, _) in &found {
        let drop = format!("DROP {} {name}", kind.to_uppercase());
        on_tx!(tx, conn => sqlx::query(&drop).execute(conn).await.map(|_| ())?);
    }
    Ok(Deferred { statements: found.into_iter().map(|(_, _, sql)| sql).collect() })
}

/// Creates what `drop_secondary` dropped, and fills SQLite's search indexes.
async fn restore_secondary(tx: &mut Tx, deferred: &Deferred) -> anyhow::Result<()> {
    if let Tx::Postgres(t) = tx {
        // Index builds sort; more memory for them than the default 64 MB, for this
        // transaction only.
        sqlx::query("SET LOCAL maintenance_work_mem = '256MB'").execute(&mut **t).await?;
    }
    for statement in &deferred.statements {
        on_tx!(tx, conn => sqlx::query(statement).execute(conn).await.map(|_| ())?);
    }
    if let Tx::Sqlite(t) = tx {
        sqlx::query("INSERT INTO membership_search(membership_search) VALUES ('rebuild')").execute(&mut **t).await?;
        // Contentless, so not rebuilt from the rows: filled from them as migration 0022 does.
        sqlx::query("INSERT INTO membership_search_tail(membership_search_tail) VALUES ('delete-all')")
            .execute(&mut **t)
            .await?;
        sqlx::query(
            "INSERT INTO membership_search_tail(rowid, name_tail, email_tail) \
             SELECT id, substr(name_key, 3), substr(email_key, 3) FROM memberships",
        )
        .execute(&mut **t)
        .await?;
    }
    Ok(())
}

async fn insert_all(tx: &mut Tx, opts: &SeedOptions) -> anyhow::Result<SeedReport> {
    let mut rng = SmallRng::seed_from_u64(opts.seed);
    let now = opts.now;

    // Organisations and their domains.
    let org_base = next_id(tx, "organisations").await?;
    let mut orgs = Batch::new("organisations", &["id", "name", "kind", "created_at"]);
    let mut domains = Batch::new("organisation_domains", &["organisation_id", "domain"]);
    for (i, o) in ORGS.iter().enumerate() {
        let id = org_base + i as i64;
        orgs.push(tx, vec![int(id), text(o.name), text(o.kind), int(now - 1_200 * DAY)]).await?;
        for d in o.domains {
            domains.push(tx, vec![int(id), text(*d)]).await?;
        }
    }
    orgs.flush(tx).await?;
    domains.flush(tx).await?;

    // Accounts and projects.
    let account_base = next_id(tx, "accounts").await?;
    let project_base = next_id(tx, "account_projects").await?;
    let mut accounts =
        Batch::new("accounts", &["id", "organisation_id", "name", "org_id", "kind", "government_cloud", "created_at"]);
    let mut projects = Batch::new("account_projects", &["id", "account_id", "name"]);
    let mut project_ids: Vec<Vec<i64>> = Vec::new();
    let mut next_project = project_base;
    for (i, a) in ACCOUNTS.iter().enumerate() {
        let id = account_base + i as i64;
        accounts
            .push(
                tx,
                vec![
                    int(id),
                    int(org_base + a.org as i64),
                    text(a.name),
                    text(a.org_id),
                    text(a.kind),
                    boolean(a.government_cloud),
                    int(now - 1_100 * DAY),
                ],
            )
            .await?;
        let mut ids = Vec::new();
        for p in a.projects {
            projects.push(tx, vec![int(next_project), int(id), text(*p)]).await?;
            ids.push(next_project);
            next_project += 1;
        }
        project_ids.push(ids);
    }
    accounts.flush(tx).await?;
    projects.flush(tx).await?;
    let mut supported = Batch::new("partner_deployments", &["partner_id", "account_id", "since"]);
    for ai in SUPPORTED {
        supported
            .push(tx, vec![int(org_base + PARTNER as i64), int(account_base + ai as i64), int(now - 400 * DAY)])
            .await?;
    }
    supported.flush(tx).await?;

    // People: the personas, then generated people per account.
    let person_base = next_id(tx, "people").await?;
    let mut people: Vec<Person> = Vec::new();
    for (name, email, org, registered) in PERSONAS {
        people.push(Person {
            id: person_base + people.len() as i64,
            name: name.to_string(),
            email: email.to_string(),
            registered: *registered,
            last_sign_in: if *registered { now - rng.gen_range(0..30) * DAY - rng.gen_range(0..DAY) } else { 0 },
            org: *org,
        });
    }
    let mut seen_emails: HashMap<String, u32> = HashMap::new();
    // Account members as indices into `people`; the personas' memberships first.
    let mut members_of: Vec<Vec<usize>> = vec![Vec::new(); ACCOUNTS.len()];
    members_of[0].extend([1, 2, 3]);
    members_of[1].push(1);
    members_of[4].extend([4, ALL_DEPLOYMENTS_APPROVER, ONE_DEPLOYMENT_APPROVER]);
    for (ai, a) in ACCOUNTS.iter().enumerate() {
        let want = a.members.unwrap_or(opts.members);
        let org = &ORGS[a.org];
        while members_of[ai].len() < want {
            let first = FIRST[rng.gen_range(0..FIRST.len())];
            let last = LAST[rng.gen_range(0..LAST.len())];
            let domain = if rng.gen_bool(0.06) {
                OTHER_DOMAINS[rng.gen_range(0..OTHER_DOMAINS.len())]
            } else {
                org.domains[rng.gen_range(0..org.domains.len())]
            };
            let local = format!("{}.{}", ascii_fold(first), ascii_fold(last));
            let n = seen_emails.entry(format!("{local}@{domain}")).or_insert(0);
            *n += 1;
            let email = if *n == 1 { format!("{local}@{domain}") } else { format!("{local}{n}@{domain}") };
            let registered = !rng.gen_bool(0.03);
            let last_sign_in = if registered && rng.gen_bool(0.85) {
                now - rng.gen_range(0..730) * DAY - rng.gen_range(0..DAY)
            } else {
                0
            };
            members_of[ai].push(people.len());
            people.push(Person {
                id: person_base + people.len() as i64,
                name: format!("{first} {last}"),
                email,
                registered,
                last_sign_in,
                org: a.org,
            });
        }
    }
    // A few Northwind people also work on the on-premises account, and a few others on
    // the field sites, with Adam Admin as its administrator.
    let shared: Vec<usize> = members_of[0].iter().skip(4).step_by(7).take(10).copied().collect();
    members_of[1].extend(shared);
    let field: Vec<usize> = members_of[0].iter().skip(6).step_by(11).take(6).copied().collect();
    members_of[FIELD_SITES].push(1);
    members_of[FIELD_SITES].extend(field);
    let research: Vec<usize> = members_of[2].iter().skip(3).step_by(9).take(5).copied().collect();
    members_of[RESEARCH].extend(research);
    let rival = people.len();
    people.push(Person {
        id: person_base + rival as i64,
        name: RIVAL.0.to_string(),
        email: RIVAL.1.to_string(),
        registered: true,
        last_sign_in: now - 3 * DAY,
        org: RIVAL.2,
    });
    // The partner's people on the deployments it supports: Paula Partner on two of the
    // four (none on the others), five colleagues spread over all four.
    let partner_account = ACCOUNTS.iter().position(|a| a.org == PARTNER).unwrap_or(0);
    let colleagues: Vec<usize> = members_of[partner_account].iter().skip(3).take(5).copied().collect();
    members_of[SUPPORTED[0]].push(4);
    members_of[SUPPORTED[1]].push(4);
    for (k, &c) in colleagues.iter().enumerate() {
        members_of[SUPPORTED[k % SUPPORTED.len()]].push(c);
        members_of[SUPPORTED[(k + 1) % SUPPORTED.len()]].push(c);
    }

    let mut batch = Batch::new(
        "people",
        &[
            "id",
            "display_name",
            "name_key",
            "email",
            "email_key",
            "email_domain",
            "registered_at",
            "last_sign_in_at",
            "is_operator",
            "organisation_id",
        ],
    );
    for (i, p) in people.iter().enumerate() {
        batch
            .push(
                tx,
                vec![
                    int(p.id),
                    text(p.name.clone()),
                    text(p.name.to_lowercase()),
                    text(p.email.clone()),
                    text(EmailAddress::key_of(&p.email)),
                    text(p.email.rsplit('@').next().unwrap_or_default().to_lowercase()),
                    opt_int(p.registered.then_some(now - 1_000 * DAY + (i as i64 % 900) * DAY)),
                    opt_int((p.last_sign_in > 0).then_some(p.last_sign_in)),
                    boolean(i == 0),
                    int(org_base + p.org as i64),
                ],
            )
            .await?;
    }
    batch.flush(tx).await?;

    // Cases, first, so that each membership can carry its count of open cases owned.
    let case_base = next_id(tx, "cases").await?;
    let mut cases = Batch::new(
        "cases",
        &[
            "id",
            "account_id",
            "number",
            "title",
            "title_key",
            "description",
            "status",
            "primary_contact_id",
            "primary_name",
            "primary_name_key",
            "opened_at",
            "resolved_at",
            "updated_at",
        ],
    );
    let mut contacts = Batch::new("case_contacts", &["case_id", "person_id"]);
    let mut followers = Batch::new("case_followers", &["case_id", "person_id"]);
    let mut pulse = Batch::new("pulse_messages", &["case_id", "author_id", "body", "created_at"]);
    let mut owned: HashMap<(usize, usize), i64> = HashMap::new();
    let mut case_count = 0usize;
    let (mut contact_rows, mut follower_rows, mut pulse_rows) = (Vec::new(), Vec::new(), Vec::new());
    for (ai, members) in members_of.iter().enumerate() {
        let n = (members.len() / 2).clamp(5, 5_000);
        for _ in 0..n {
            let id = case_base + case_count as i64;
            case_count += 1;
            let primary = members[rng.gen_range(0..members.len())];
            let open = rng.gen_bool(0.6);
            let age = rng.gen_range(1..700);
            let opened = now - age * DAY;
            if open {
                *owned.entry((ai, primary)).or_insert(0) += 1;
            }
            let title = CASE_TITLES[rng.gen_range(0..CASE_TITLES.len())];
            // Resolved and answered before today, however recently the case was opened.
            let resolved = (!open).then_some(opened + (rng.gen_range(1..60) % age) * DAY);
            let replies = rng.gen_range(0..PULSE_REPLIES.len());
            let step = (age * DAY / (PULSE_REPLIES.len() as i64 + 1)).min(DAY / 2);
            let answered = opened + replies as i64 * step;
            let updated = resolved.map_or(answered, |r| r.max(answered));
            cases
                .push(
                    tx,
                    vec![
                        int(id),
                        int(account_base + ai as i64),
                        text(format!("C-{:07}", id)),
                        text(title),
                        text(title.to_lowercase()),
                        text(format!("{title}. Reported by {} on behalf of the account.", people[primary].name)),
                        text(if open { "open" } else { "resolved" }),
                        int(people[primary].id),
                        text(people[primary].name.clone()),
                        text(people[primary].name.to_lowercase()),
                        int(opened),
                        opt_int(resolved),
                        int(updated),
                    ],
                )
                .await?;
            let mut extra: Vec<usize> =
                (0..rng.gen_range(0..4)).map(|_| members[rng.gen_range(0..members.len())]).collect();
            extra.sort_unstable();
            extra.dedup();
            extra.retain(|p| *p != primary);
            for (k, p) in extra.iter().enumerate() {
                let row = vec![int(id), int(people[*p].id)];
                if k % 2 == 0 {
                    contact_rows.push(row);
                } else {
                    follower_rows.push(row);
                }
            }
            pulse_rows.push(vec![int(id), int(people[primary].id), text("Case opened."), int(opened)]);
            // The case's people answer in turn, its contacts and followers first, so a feed
            // reads as a conversation (no draw of the generator: the rest of the seed stays).
            let on_case: Vec<usize> = extra.iter().copied().chain([primary]).collect();
            for (k, reply) in PULSE_REPLIES.iter().take(replies).enumerate() {
                let at = opened + (k as i64 + 1) * step;
                let author = on_case[k % on_case.len()];
                pulse_rows.push(vec![int(id), int(people[author].id), text(*reply), int(at)]);
            }
        }
    }
    // Cases must exist before their contacts, followers and messages (foreign keys),
    // which a batch of those could otherwise send first.
    cases.flush(tx).await?;
    for row in contact_rows {
        contacts.push(tx, row).await?;
    }
    for row in follower_rows {
        followers.push(tx, row).await?;
    }
    for row in pulse_rows {
        pulse.push(tx, row).await?;
    }
    contacts.flush(tx).await?;
    followers.flush(tx).await?;
    pulse.flush(tx).await?;

    // Memberships, with the per-role counts of each account alongside.
    let roles: Vec<(String, i64)> =
        on_tx!(tx, conn => sqlx::query_as("SELECT key, bit FROM roles ORDER BY bit").fetch_all(conn).await?);
    let mut counts: HashMap<(i64, &'static str, String), i64> = HashMap::new();
    let membership_base = next_id(tx, "memberships").await?;
    let mut memberships = Batch::new(
        "memberships",
        &[
            "id",
            "account_id",
            "person_id",
            "status",
            "role_bits",
            "additional_roles",
            "cloud_all_projects",
            "cloud_environment",
            "added_by",
            "added_at",
            "name",
            "name_key",
            "email",
            "email_key",
            "last_sign_in_at",
            "cases_owned",
            "registered",
            "support_level",
        ],
    );
    // Membership projects go in after all memberships: a batch of them may name a
    // membership that is still waiting in the memberships batch.
    let mut member_projects: Vec<Vec<Arg>> = Vec::new();
    let mut membership_count = 0usize;
    let catalogue = Catalogue::load_tx(tx).await?;
    let mut history = History::default();
    for (ai, members) in members_of.iter().enumerate() {
        let plan = &ACCOUNTS[ai];
        let account_id = account_base + ai as i64;
        let admin = people[members[0]].id;
        for (k, &pi) in members.iter().enumerate() {
            let p = &people[pi];
            let id = membership_base + membership_count as i64;
            membership_count += 1;
            // The first member administers the account and is its Primary contact.
            let mut bits = 1_i64;
            let mut add = |key: &str, yes: bool| {
                if yes {
                    if let Some((_, bit)) = roles.iter().find(|(r, _)| r == key) {
                        bits |= 1 << bit;
                    }
                }
            };
            add("account_admin", k == 0 || rng.gen_bool(0.01));
            add("primary", k == 0);
            add("security_contact", rng.gen_bool(0.05));
            let cloud = !plan.government_cloud && !plan.projects.is_empty() && rng.gen_bool(0.08);
            add("cloud_specialist", cloud);
            add("billing_contact", rng.gen_bool(0.03));
            add("license_contact", rng.gen_bool(0.03));
            // A partner's person on a customer's deployment holds a support access level.
            let level = (p.org == PARTNER && plan.org != PARTNER).then(|| partner_level(pi, ai));
            if let Some((_, level_bits)) = level {
                bits = level_bits;
            }
            let inactive = k > 0 && level.is_none() && (pi == 3 || rng.gen_bool(0.05));
            let status = if inactive { "inactive" } else { "active" };
            let all_projects = !cloud || rng.gen_bool(0.6);
            let environment =
                if cloud { ["production", "non-production", "all"][rng.gen_range(0..3)] } else { "non-production" };
            // The account's first administrator came with it.
            let drawn = now - rng.gen_range(1..1_000) * DAY;
            let added_at = if k == 0 { now - 1_000 * DAY } else { drawn };
            if k > 0 && !cloud && level.is_none() {
                let added = Added {
                    account: account_id,
                    admin,
                    person: p.id,
                    at: added_at,
                    bits,
                    inactive,
                    catalogue: &catalogue,
                };
                history.member(added, now);
            }
            memberships
                .push(
                    tx,
                    vec![
                        int(id),
                        int(account_id),
                        int(p.id),
                        text(status),
                        int(bits),
                        int(i64::from(bits.count_ones()) - 1),
                        boolean(all_projects),
                        text(environment),
                        opt_int((k > 0).then_some(admin)),
                        int(added_at),
                        text(p.name.clone()),
                        text(p.name.to_lowercase()),
                        text(p.email.clone()),
                        text(EmailAddress::key_of(&p.email)),
                        int(p.last_sign_in),
                        int(owned.get(&(ai, pi)).copied().unwrap_or(0)),
                        boolean(p.registered),
                        Arg::from(level.map(|(key, _)| key.to_string())),
                    ],
                )
                .await?;
            if !all_projects {
                let ids = &project_ids[ai];
                member_projects.push(vec![int(id), int(ids[rng.gen_range(0..ids.len())])]);
            }
            for (key, bit) in &roles {
                if bits & (1 << bit) != 0 {
                    *counts.entry((account_id, status, key.clone())).or_insert(0) += 1;
                }
            }
        }
    }
    memberships.flush(tx).await?;
    let mut projects_batch = Batch::new("membership_projects", &["membership_id", "project_id"]);
    for row in member_projects {
        projects_batch.push(tx, row).await?;
    }
    projects_batch.flush(tx).await?;

    let mut role_counts = Batch::new("role_counts", &["account_id", "status", "role_key", "n"]);
    for ((account, status, key), n) in counts {
        role_counts.push(tx, vec![int(account), text(status), text(key), int(n)]).await?;
    }
    role_counts.flush(tx).await?;
    history.insert(tx).await?;
    seed_access_requests(tx, now, &people, &colleagues, account_base, org_base).await?;
    let mut approvers = Batch::new("approvers", &["partner_id", "person_id", "account_id", "granted_at"]);
    approvers
        .push(tx, vec![int(org_base + RIVAL.2 as i64), int(people[rival].id), Arg::NullInt, int(now - 90 * DAY)])
        .await?;
    approvers.flush(tx).await?;
    Ok(SeedReport { people: people.len(), memberships: membership_count, cases: case_count })
}

/// An account's recent audit history, as its administrator's work would have left it:
/// members added, given more roles, and deactivated, in the days before the seed.
#[derive(Default)]
struct History {
    entries: Vec<Entry>,
}

struct Entry {
    account: i64,
    at: i64,
    actor: i64,
    subject: i64,
    action: &'static str,
    before: Option<String>,
    after: Option<String>,
}

/// A member as the history needs them.
struct Added<'a> {
    account: i64,
    admin: i64,
    person: i64,
    at: i64,
    bits: i64,
    inactive: bool,
    catalogue: &'a Catalogue,
}

impl History {
    /// How far back the history goes, and how many of an account's entries it keeps.
    const DAYS: i64 = 90;
    const PER_ACCOUNT: usize = 60;

    /// The entries of one member, derived from the member alone (no random draws, so the
    /// rest of the seed stays as it was), all before `now`.
    fn member(&mut self, m: Added, now: i64) {
        let Added { account, admin, person, at: added_at, bits, inactive, catalogue } = m;
        let default = catalogue.default_mask();
        let recent = added_at >= now - Self::DAYS * DAY;
        // Members added before the history began changed within it now and then.
        let later = |days: i64| {
            let from = if recent { added_at } else { now - Self::DAYS * DAY };
            (from + days * DAY).min(now - 3_600 - person % 3_600)
        };
        let mut push = |at: i64, action: &'static str, before: Option<String>, after: Option<String>| {
            self.entries.push(Entry { account, at, actor: admin, subject: person, action, before, after });
        };
        if recent {
            push(added_at, "member.added", None, Some(catalogue.describe(default)));
        }
        if bits != default && (recent || person % 4 == 0) {
            let at = later(if recent { 1 + person % 9 } else { person % Self::DAYS });
            push(at, "member.roles_changed", Some(catalogue.describe(default)), Some(catalogue.describe(bits)));
        }
        if inactive {
            let at = later(if recent { 10 + person % 20 } else { person % Self::DAYS });
            push(at, "member.deactivated", Some("active".into()), Some("inactive".into()));
        }
    }

    /// Keeps each account's latest entries and writes them oldest first, so that the
    /// log's order (by id) is the order they happened in.
    async fn insert(mut self, tx: &mut Tx) -> anyhow::Result<()> {
        self.entries.sort_by_key(|e| (e.account, std::cmp::Reverse(e.at)));
        let mut per_account: HashMap<i64, usize> = HashMap::new();
        let mut kept: Vec<Entry> = self
            .entries
            .into_iter()
            .filter(|e| {
                let n = per_account.entry(e.account).or_insert(0);
                *n += 1;
                *n <= Self::PER_ACCOUNT
            })
            .collect();
        kept.sort_by_key(|e| e.at);
        let mut batch = Batch::new(
            "audit_log",
            &["at", "actor_id", "account_id", "subject_person_id", "action", "before", "after"],
        );
        for e in kept {
            let row = vec![
                int(e.at),
                int(e.actor),
                int(e.account),
                int(e.subject),
                text(e.action),
                e.before.into(),
                e.after.into(),
            ];
            batch.push(tx, row).await?;
        }
        batch.flush(tx).await
    }
}

/// The partner's designated approvers, and access requests in every state: two waiting,
/// one approved, one declined, one expired.
async fn seed_access_requests(
    tx: &mut Tx,
    now: i64,
    people: &[Person],
    colleagues: &[usize],
    account_base: i64,
    org_base: i64,
) -> anyhow::Result<()> {
    let partner = org_base + PARTNER as i64;
    let [field_sites, health, govcloud, records] = SUPPORTED.map(|a| account_base + a as i64);
    let (alex, pete) = (&people[ALL_DEPLOYMENTS_APPROVER], &people[ONE_DEPLOYMENT_APPROVER]);
    let mut approvers = Batch::new("approvers", &["partner_id", "person_id", "account_id", "granted_at"]);
    approvers.push(tx, vec![int(partner), int(alex.id), Arg::NullInt, int(now - 500 * DAY)]).await?;
    approvers.push(tx, vec![int(partner), int(pete.id), int(govcloud), int(now - 200 * DAY)]).await?;
    approvers.flush(tx).await?;
    let paula = &people[4];
    let colleague = |k: usize| &people[colleagues[k % colleagues.len().max(1)]];
    let mut requests = Batch::new(
        "access_requests",
        &[
            "partner_id",
            "account_id",
            "person_id",
            "requested_by",
            "support_level",
            "reason",
            "created_at",
            "expires_at",
            "state",
            "decided_by",
            "decided_by_name",
            "decided_at",
        ],
    );
    const EXPIRY: i64 = app::model::REQUEST_DAYS * DAY;
    /// (account, person, asked by, level, reason, days ago, state, decided by, decided days ago)
    type Seeded<'a> = (i64, &'a Person, &'a Person, &'a str, &'a str, i64, &'a str, Option<&'a Person>, i64);
    let rows: [Seeded; 5] = [
        (govcloud, paula, paula, "full", "Leading the Globex GovCloud upgrade next month.", 2, "pending", None, 0),
        (records, colleague(0), paula, "technical", "Covers the Globex Records night shift.", 1, "pending", None, 0),
        (
            field_sites,
            paula,
            paula,
            "technical",
            "Northwind's field sites upgrade project.",
            60,
            "approved",
            Some(alex),
            59,
        ),
        (govcloud, colleague(1), colleague(1), "full", "Billing questions.", 10, "declined", Some(pete), 9),
        (health, paula, paula, "full", "Holiday cover.", 20, "expired", None, 0),
    ];
    for (account, person, asked_by, level, reason, ago, state, decider, decided_ago) in rows {
        let created = now - ago * DAY;
        requests
            .push(
                tx,
                vec![
                    int(partner),
                    int(account),
                    int(person.id),
                    int(asked_by.id),
                    text(level),
                    text(reason),
                    int(created),
                    int(created + EXPIRY),
                    text(state),
                    opt_int(decider.map(|d| d.id)),
                    decider.map(|d| text(d.name.clone())).unwrap_or(Arg::NullText),
                    opt_int(decider.map(|_| now - decided_ago * DAY)),
                ],
            )
            .await?;
    }
    requests.flush(tx).await
}

/// Moves PostgreSQL's id sequences past the explicit ids and refreshes planner
/// statistics.
async fn after_bulk_load(db: &Db) -> anyhow::Result<()> {
    match db {
        Db::Postgres(pool, _) => {
            for table in
                ["organisations", "accounts", "account_projects", "people", "memberships", "cases", "pulse_messages"]
            {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"
                );
                sqlx::query(&sql).execute(pool).await?;
            }
            // Statistics, and the visibility map that index-only reads need: until a VACUUM
            // marks the new rows' pages all-visible, each entry such a read finds is checked
            // in its table row too (reading 11,763 entries of the email index took 22-29 ms
            // right after seeding 1,000,000 members, 4 ms after this VACUUM, which took under
            // a second; about as long as ANALYZE alone on a seed of 10,000).
            sqlx::query("VACUUM (ANALYZE)").execute(pool).await?;
        }
        Db::Sqlite(pool, _) => {
            sqlx::query("ANALYZE").execute(pool).await?;
        }
    }
    Ok(())
}

/// Letters of a name as they may appear in an email address.
fn ascii_fold(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'á' | 'à' | 'ä' | 'â' => Some('a'),
            'é' | 'è' | 'ë' | 'ê' => Some('e'),
            'í' | 'ï' => Some('i'),
            'ó' | 'ö' | 'ô' => Some('o'),
            'ú' | 'ü' => Some('u'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// The password of every registered demo persona — for local use only, documented in
/// the README.
pub const DEMO_PASSWORD: &str = "roster-demo-2026";

/// Gives the registered personas the demo password, hashed like any other.
async fn set_demo_passwords(db: &Db) -> anyhow::Result<()> {
    let hash = app::backend::auth::hash_password_in_turn(DEMO_PASSWORD.to_string()).await?;
    let registered = PERSONAS.iter().filter(|p| p.3).map(|p| p.1).chain([RIVAL.1]);
    for email in registered {
        db.execute(&app::sql!("UPDATE people SET password_hash = $1 WHERE email_key = $2", &hash, email)).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_become_anonymous() {
        assert_eq!(super::anonymous_placeholders("VALUES ($1, $2), ($3, $40)"), "VALUES (?, ?), (?, ?)");
    }

    #[test]
    fn names_fold_into_email_local_parts() {
        assert_eq!(super::ascii_fold("Müller"), "muller");
        assert_eq!(super::ascii_fold("O'Brien"), "obrien");
        assert_eq!(super::ascii_fold("Tomás"), "tomas");
    }
}
