//! Raising a case: active members only (SPEC F12, F20), on SQLite and on PostgreSQL.

mod common;

use app::backend::access::Actor;
use app::backend::cases::{self, NOT_A_MEMBER};
use app::error::AppError;
use app::model::AccountId;
use app::sql;
use server::seed::{seed, SeedOptions};

backend_tests! {
    async fn only_active_members_raise_cases(db) {
        let now = app::backend::now();
        seed(&db, &SeedOptions { members: 60, seed: 7, now: now - now % 86_400 }).await.expect("seed");
        let account: i64 =
            db.scalar(&sql!("SELECT id FROM accounts WHERE name = $1", "Northwind Production")).await.unwrap();
        let carla = Actor::by_email(&db, "carla.contact@northwind.example").await.unwrap();
        let owned = |person: i64| {
            let db = db.clone();
            async move {
                db.scalar::<i64>(&sql!(
                    "SELECT cases_owned FROM memberships WHERE account_id = $1 AND person_id = $2",
                    account,
                    person
                ))
                .await
                .unwrap()
            }
        };
        let before = owned(carla.person_id).await;
        let member = carla.clone().member_of(&db, AccountId(account)).await.unwrap();
        let number = cases::raise(&db, &member, "  Login page   times out ").await.unwrap();
        let (title, status, primary): (String, String, Option<i64>) = db
            .fetch_optional(&sql!("SELECT title, status, primary_contact_id FROM cases WHERE number = $1", &number))
            .await
            .unwrap()
            .unwrap();
        assert_eq!((title.as_str(), status.as_str(), primary), ("Login page times out", "open", Some(carla.person_id)));
        assert_eq!(owned(carla.person_id).await, before + 1);
        assert!(matches!(cases::raise(&db, &member, " ").await, Err(AppError::Invalid(_))));

        let cases_before: i64 = db.scalar(&sql!("SELECT COUNT(*) FROM cases")).await.unwrap();
        for email in ["ivan.inactive@northwind.example", "nina.newcomer@northwind.example", "olivia.operator@roster.example"] {
            let who = Actor::by_email(&db, email).await.unwrap();
            let e = who.member_of(&db, AccountId(account)).await.unwrap_err();
            assert_eq!(e, AppError::Forbidden(NOT_A_MEMBER.into()), "{email}");
        }
        // A member deactivated after the proof was made is refused by the write itself.
        db.execute(&sql!("UPDATE memberships SET status = 'inactive' WHERE id = $1", member.membership())).await.unwrap();
        let e = cases::raise(&db, &member, "Anything").await.unwrap_err();
        assert_eq!(e, AppError::Forbidden(NOT_A_MEMBER.into()));
        let cases_after: i64 = db.scalar(&sql!("SELECT COUNT(*) FROM cases")).await.unwrap();
        assert_eq!(cases_after, cases_before);
    }
}
