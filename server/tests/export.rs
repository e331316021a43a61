//! The Manage Users exports (SPEC F13) through the real router over HTTP, on SQLite and
//! on PostgreSQL: the workbook opens as a spreadsheet, the CSV parses, both hold the
//! whole filtered and sorted view, and refusals are JSON.

use crate::common;

use common::http::{send, sign_in, Reply};

use std::io::Cursor;

use app::backend::{accounts, members, Db};
use app::model::{format_date, MemberQuery, MemberRow, PageCursor, SortDir, SortKey};
use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use server::seed::{seed, SeedOptions};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const HEADER: [&str; 6] = ["Name", "Email", "Additional roles", "Active", "Last sign-on", "Cases owned"];

/// A server under test with its demo administrator signed in.
struct Signed {
    addr: std::net::SocketAddr,
    cookie: String,
}

/// Seeds the database, serves the router on a random port with the demo administrator
/// signed in, and returns it with the id of the large demo account.
async fn serve(db: &Db, members: usize) -> (Signed, i64) {
    let now = app::backend::now();
    seed(db, &SeedOptions { members, seed: 11, now: now - now % 86_400 }).await.expect("seed");
    let account = common::account_named(db, "Northwind Production").await;
    let addr = common::serve_router(db, server::security::Site::default()).await;
    let cookie = sign_in(addr, "adam.admin@northwind.example", None).await;
    (Signed { addr, cookie }, account)
}

/// GET `target` with the administrator's session cookie.
async fn get(server: &Signed, target: &str) -> Reply {
    send(server.addr, &format!("GET {target}"), Some(&server.cookie)).await
}

/// Every member of a view, in order, as the Manage Users page pages through it.
async fn view(db: &Db, mut q: MemberQuery) -> Vec<MemberRow> {
    q.page_size = 100;
    let mut rows = Vec::new();
    loop {
        let page = members::read::list(db, &common::as_operator(db, q.account).await, &q, app::backend::now())
            .await
            .expect("list");
        rows.extend(page.rows);
        match page.next {
            Some(c) => q.cursor = Some(PageCursor::After(c)),
            None => return rows,
        }
    }
}

fn parse_csv(body: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(body);
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r.records().map(|rec| rec.unwrap().iter().map(str::to_string).collect()).collect();
    (header, rows)
}

fn sheet(body: Vec<u8>) -> calamine::Range<Data> {
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(body)).expect("a real xlsx file");
    assert_eq!(wb.sheet_names(), vec!["Users".to_string()]);
    // The header row carries an autofilter, which Excel records as this defined name.
    assert!(
        wb.defined_names()
            .iter()
            .any(|(name, range)| name == "_xlnm._FilterDatabase" && range.starts_with("Users!$A$1:$F$")),
        "{:?}",
        wb.defined_names()
    );
    wb.worksheet_range("Users").expect("the Users sheet")
}

fn text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        other => panic!("expected text, got {other:?}"),
    }
}

/// Excel's serial day number of the UTC day of a Unix time.
fn serial_day(unix: i64) -> f64 {
    (unix.div_euclid(86_400) + 25_569) as f64
}

backend_tests! {
    async fn xlsx_holds_the_whole_view_with_real_dates(db) {
        // More members than one export page (2,000), so the export follows cursors.
        let (server, account) = serve(&db, 2_300).await;
        let want = view(&db, MemberQuery::new(account)).await;
        assert!(want.len() > 2_000, "{}", want.len());

        let reply = get(&server, &format!("/accounts/{account}/users/export.xlsx")).await;
        assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
        assert_eq!(reply.header("content-type"), Some(XLSX));
        assert_eq!(
            reply.header("content-disposition"),
            Some("attachment; filename=\"northwind-production-users.xlsx\"")
        );
        let range = sheet(reply.body);
        let rows: Vec<&[Data]> = range.rows().collect();
        let header: Vec<String> = rows[0].iter().map(text).collect();
        assert_eq!(header, HEADER);
        assert_eq!(rows.len() - 1, want.len());
        for (cells, member) in rows[1..].iter().zip(&want) {
            assert_eq!(text(&cells[0]), member.name);
            assert_eq!(text(&cells[1]), member.email);
            assert_eq!(cells[2], Data::Float(member.additional_roles as f64));
            assert_eq!(text(&cells[3]), if member.active { "Yes" } else { "No" });
            match &cells[4] {
                Data::DateTime(d) => {
                    assert!(d.is_datetime());
                    assert_eq!(d.as_f64(), serial_day(member.last_sign_in_at), "{}", member.name);
                }
                Data::Empty => assert_eq!(member.last_sign_in_at, 0, "{}", member.name),
                other => panic!("Last sign-on of {} is {other:?}", member.name),
            }
            assert_eq!(cells[5], Data::Float(member.cases_owned as f64));
        }
        assert!(want.iter().any(|m| m.last_sign_in_at > 0));

        // Searching exports just the matches.
        let reply = get(&server, &format!("/accounts/{account}/users/export.xlsx?q=adam.admin")).await;
        assert_eq!(reply.status, 200);
        let range = sheet(reply.body);
        assert_eq!(range.height(), 2);
        assert_eq!(range.get((1, 0)), Some(&Data::String("Adam Admin".into())));
        assert_eq!(range.get((1, 1)), Some(&Data::String("adam.admin@northwind.example".into())));
        assert!(matches!(range.get((1, 4)), Some(Data::DateTime(_))));
    }

    async fn csv_respects_search_and_sort_and_streams(db) {
        let (server, account) = serve(&db, 2_300).await;

        let reply = get(&server, &format!("/accounts/{account}/users/export.csv")).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("content-type"), Some("text/csv; charset=utf-8"));
        assert_eq!(
            reply.header("content-disposition"),
            Some("attachment; filename=\"northwind-production-users.csv\"")
        );
        assert_eq!(reply.header("transfer-encoding"), Some("chunked"));
        let (header, rows) = parse_csv(&reply.body);
        assert_eq!(header, HEADER);
        let want = view(&db, MemberQuery::new(account)).await;
        assert!(want.len() > 2_000);
        assert_eq!(rows.len(), want.len());
        for (row, member) in rows.iter().zip(&want) {
            assert_eq!(row[0], member.name);
            assert_eq!(row[1], member.email);
            assert_eq!(row[2], member.additional_roles.to_string());
            assert_eq!(row[3], if member.active { "Yes" } else { "No" });
            assert_eq!(row[4], format_date(member.last_sign_in_at).unwrap_or_default());
            assert_eq!(row[5], member.cases_owned.to_string());
        }

        // Sorted by email, descending.
        let reply = get(&server, &format!("/accounts/{account}/users/export.csv?sort=email&dir=desc")).await;
        assert_eq!(reply.status, 200);
        let (_, rows) = parse_csv(&reply.body);
        let q = MemberQuery { sort: SortKey::Email, dir: SortDir::Desc, ..MemberQuery::new(account) };
        let want: Vec<String> = view(&db, q).await.into_iter().map(|m| m.email).collect();
        let got: Vec<String> = rows.into_iter().map(|r| r[1].clone()).collect();
        assert_eq!(got, want);

        // Searched: only the matches, whatever page the link was on.
        let reply = get(&server, &format!("/accounts/{account}/users/export.csv?q=adam.admin&size=10&after=s1.zzz")).await;
        assert_eq!(reply.status, 200);
        let (_, rows) = parse_csv(&reply.body);
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0][0], "Adam Admin");
        assert_eq!(rows[0][1], "adam.admin@northwind.example");
        assert_eq!(rows[0][3], "Yes");
        assert_eq!(rows[0][4].len(), "YYYY-MM-DD".len());

        // Inactive members are a view of their own.
        let reply = get(&server, &format!("/accounts/{account}/users/export.csv?status=inactive")).await;
        let (_, rows) = parse_csv(&reply.body);
        let q = MemberQuery { status: app::model::MemberStatus::Inactive, ..MemberQuery::new(account) };
        assert_eq!(rows.len(), view(&db, q).await.len());
    }

    async fn nonsense_in_the_link_falls_back_to_the_default_view(db) {
        let (server, account) = serve(&db, 130).await;
        let plain = get(&server, &format!("/accounts/{account}/users/export.csv")).await;
        let odd = get(
            &server,
            &format!("/accounts/{account}/users/export.csv?sort=bogus&dir=sideways&size=7&status=maybe&after=%%%"),
        )
        .await;
        assert_eq!(odd.status, 200);
        assert_eq!(odd.body, plain.body);
        let (_, rows) = parse_csv(&odd.body);
        assert_eq!(rows.len(), view(&db, MemberQuery::new(account)).await.len());

        let reply = get(&server, &format!("/accounts/{account}/users/export.xlsx?sort=bogus")).await;
        assert_eq!(reply.status, 200);
        assert_eq!(sheet(reply.body).height(), rows.len() + 1);

        // A view without members exports just the header row.
        let reply = get(&server, &format!("/accounts/{account}/users/export.csv?q=no+such+member")).await;
        assert_eq!(reply.status, 200);
        let (header, rows) = parse_csv(&reply.body);
        assert_eq!((header.len(), rows.len()), (6, 0));
        let reply = get(&server, &format!("/accounts/{account}/users/export.xlsx?q=no+such+member")).await;
        assert_eq!(reply.status, 200);
        assert_eq!(sheet(reply.body).height(), 1);
    }

    async fn refusals_are_json(db) {
        let (server, account) = serve(&db, 130).await;
        for ext in ["xlsx", "csv"] {
            // To an administrator, an account that does not exist is one that is not theirs.
            let reply = get(&server, &format!("/accounts/999999/users/export.{ext}")).await;
            assert_eq!(reply.status, 403);
            assert_eq!(reply.json_error(), app::backend::access::NO_ACCESS);

            let reply = get(&server, &format!("/accounts/nope/users/export.{ext}")).await;
            assert_eq!(reply.status, 404);
            assert!(reply.json_error().contains("no account"));

            // The acting administrator does not administer Contoso.
            let contoso = common::account_named(&db, "Contoso Health Cloud").await;
            let reply = get(&server, &format!("/accounts/{contoso}/users/export.{ext}")).await;
            assert_eq!(reply.status, 403);
            assert_eq!(reply.json_error(), app::backend::access::NO_ACCESS);

            // A role that does not exist is the caller's mistake, said plainly.
            let reply = get(&server, &format!("/accounts/{account}/users/export.{ext}?role=no_such_role")).await;
            assert_eq!(reply.status, 400);
            let error = reply.json_error();
            assert!(error.contains("no_such_role"), "{error}");
            assert!(!error.to_lowercase().contains("select"), "{error}");
        }
    }
}

/// Peak resident memory of this process in KiB (Linux), for the large-export check.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// 100,000 members through both exports; prints time and peak memory. Slow (it seeds
/// 100,000 members), so it runs only on request:
/// `cargo test -p server --test suite export:: -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn a_hundred_thousand_members() {
    let t = common::TestDb::sqlite().await;
    let (server, account) = serve(&t.db, 100_000).await;
    let want = accounts::get(&t.db, &common::as_operator(&t.db, account).await).await.unwrap().members as usize;
    let before = peak_rss_kib();
    for ext in ["csv", "xlsx"] {
        let started = std::time::Instant::now();
        let reply = get(&server, &format!("/accounts/{account}/users/export.{ext}")).await;
        assert_eq!(reply.status, 200);
        let rows = match ext {
            "csv" => parse_csv(&reply.body).1.len(),
            _ => sheet(reply.body.clone()).height() - 1,
        };
        assert_eq!(rows, want);
        std::fs::write(std::env::temp_dir().join(format!("roster-export-test.{ext}")), &reply.body).unwrap();
        eprintln!(
            "{ext}: {rows} rows, {} bytes in {:.1?}; peak RSS {before:?} KiB before, {:?} KiB after",
            reply.body.len(),
            started.elapsed(),
            peak_rss_kib()
        );
    }
    t.finish().await;
}
