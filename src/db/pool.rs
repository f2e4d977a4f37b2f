//! The connection pool: connections opened as one is by [`super::connect`], after the
//! migrations ran.

use std::time::Duration;

use diesel::r2d2::{Pool as R2d2Pool, PooledConnection};

use super::{DatabaseUrl, DbConn, DbError, connect, migrate};

pub type Pool = R2d2Pool<Manager>;
pub type PooledConn = PooledConnection<Manager>;

/// Pooled connections, opened exactly as [`super::connect`] opens one: the backend comes from the
/// URL's scheme, SQLite gets its pragmas, and a failure says why (the derived
/// multi-connection would only say that no backend accepted the URL).
#[derive(Debug)]
pub struct Manager(DatabaseUrl);

impl diesel::r2d2::ManageConnection for Manager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        connect(&self.0).map_err(|e| {
            diesel::r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(
                e.to_string(),
            ))
        })
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        diesel::r2d2::R2D2Connection::ping(conn).map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking() || diesel::r2d2::R2D2Connection::is_broken(conn)
    }
}

/// Connects, migrates on a dedicated connection, then builds the pool.
pub fn open(url: &DatabaseUrl) -> Result<Pool, DbError> {
    let mut conn = connect(url)?;
    migrate(&mut conn)?;
    drop(conn);
    build_pool(url)
}

pub fn build_pool(url: &DatabaseUrl) -> Result<Pool, DbError> {
    let size = match url {
        DatabaseUrl::Sqlite(_) => 8,
        DatabaseUrl::Postgres(_) => 10,
    };
    R2d2Pool::builder()
        .max_size(size)
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(5))
        .build(Manager(url.clone()))
        .map_err(|e| DbError::Pool(e.to_string()))
}
