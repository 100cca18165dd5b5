//! The engine lease on a real PostgreSQL 15 started by the test: one process wins it, another
//! cannot while it lasts; a stalled holder whose lease expired is fenced (its next commit
//! fails and it may no longer act) once another process has won a new term; a valid lease is
//! not taken even under the holder's own name; a released lease is free at once.

use std::sync::Arc;
use std::time::Duration;

use crate::support::postgres::{PgServer, have_postgres};
use triage::store::lease::{self, Candidate, Leadership};
use triage::store::postgres::PgStore;
use triage::store::url::StoreUrl;
use triage::store::{Store, StoreError, Write};

fn candidate(name: &str, ttl: Duration) -> Candidate {
    Candidate { holder: name.into(), url: format!("http://{name}:9093"), ttl }
}

fn some_write() -> Vec<Write> {
    vec![Write::State("test", "k".into(), Some("1".into()), jiff::Timestamp::now())]
}

#[tokio::test(flavor = "multi_thread")]
async fn one_holder_at_a_time_and_a_deposed_holder_cannot_commit() {
    if !have_postgres("one_holder_at_a_time_and_a_deposed_holder_cannot_commit") {
        return;
    }
    let server = PgServer::start();
    let url = StoreUrl::parse(&server.create_database("lease"), None).unwrap();
    let a = PgStore::open(&url).await.unwrap();
    let b = PgStore::open(&url).await.unwrap();
    let ttl = Duration::from_millis(1500);

    assert_eq!(lease::leader(a.pool()).await.unwrap(), None, "nobody holds a fresh lease");
    let held_a = lease::campaign(a.pool(), candidate("a", ttl)).await;
    assert_eq!(held_a.term(), 1);
    a.fence_with(Arc::clone(&held_a));
    a.commit(&some_write()).await.expect("the holder commits");
    let leader = lease::leader(b.pool()).await.unwrap().expect("a leader is listed");
    assert_eq!((leader.url.as_str(), leader.term), ("http://a:9093", 1));
    assert_eq!(lease::try_acquire(b.pool(), &candidate("b", ttl)).await.unwrap(), None, "b must wait");

    // `a` stalls (no renewal, no commit): `b` wins term 2 once the lease has expired.
    let held_b = tokio::time::timeout(Duration::from_secs(30), lease::campaign(b.pool(), candidate("b", ttl)))
        .await
        .expect("b wins the expired lease");
    assert!(!Leadership::leased(Arc::clone(&held_a)).may_act(), "a's own view ran out before b could win");
    assert_eq!(held_b.term(), 2);
    b.fence_with(Arc::clone(&held_b));

    // `a` wakes up: its commit is refused, and it knows it lost.
    match a.commit(&some_write()).await {
        Err(StoreError::Deposed) => {}
        other => panic!("a deposed holder committed: {other:?}"),
    }
    assert!(*held_a.lost().borrow());
    b.commit(&some_write()).await.expect("the new holder commits");
    assert!(Leadership::leased(Arc::clone(&held_b)).may_act());

    // Another process under the same name (a mistake) cannot take a valid lease.
    let c = PgStore::open(&url).await.unwrap();
    assert_eq!(lease::try_acquire(c.pool(), &candidate("b", ttl)).await.unwrap(), None);
    b.commit(&some_write()).await.expect("b still holds it");

    // A released lease is free at once.
    lease::release(b.pool(), &held_b).await;
    assert!(matches!(b.commit(&some_write()).await, Err(StoreError::Deposed)), "released: no more commits");
    assert_eq!(lease::leader(a.pool()).await.unwrap(), None);
    assert!(lease::try_acquire(a.pool(), &candidate("a", ttl)).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn renewal_keeps_the_lease_while_the_holder_is_idle() {
    if !have_postgres("renewal_keeps_the_lease_while_the_holder_is_idle") {
        return;
    }
    let server = PgServer::start();
    let url = StoreUrl::parse(&server.create_database("renew"), None).unwrap();
    let a = PgStore::open(&url).await.unwrap();
    let b = PgStore::open(&url).await.unwrap();
    let ttl = Duration::from_millis(1000);
    let held = lease::campaign(a.pool(), candidate("a", ttl)).await;
    lease::spawn_renewal(a.pool().clone(), Arc::clone(&held));
    // Three lease lengths without a commit: still a's, thanks to the renewals alone.
    for _ in 0..6 {
        tokio::time::sleep(ttl / 2).await;
        assert_eq!(lease::try_acquire(b.pool(), &candidate("b", ttl)).await.unwrap(), None);
    }
    assert!(Leadership::leased(Arc::clone(&held)).may_act());
    assert_eq!(lease::leader(b.pool()).await.unwrap().map(|l| l.term), Some(1));
}
