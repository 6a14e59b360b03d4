//! OCEL 2.0 SQLite: the standard relational layout (`event`, `object`, `event_object`,
//! `object_object`, `event_map_type`, `object_map_type`, and one `event_<map>` /
//! `object_<map>` table per type with `ocel_id` and a `TIMESTAMP` `ocel_time`), with primary and
//! foreign keys (checked as rows are inserted), the ASCII table names mapped to the Chinese type
//! names by the map tables. Written through sqlx's own SQLite driver (one `libsqlite3-sys` in
//! the tree), in one transaction, row by row as the trail streams.

use std::path::Path;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, SqliteConnection};

use super::ocel::{AttrType, Event, Object, OcelSink, TypeDef, Value, EVENT_TYPES, OBJECT_TYPES};
use super::{time, ExportError, STATIC_TIME};

/// The SQLite writer (to a new file).
#[derive(Debug)]
pub struct SqliteSink {
    conn: SqliteConnection,
    /// Per object type (by its `map`), the insert into its table.
    object_sql: Vec<(&'static str, String)>,
    /// Per event type (by its `map`), the insert into its table.
    event_sql: Vec<(&'static str, String)>,
}

fn db(e: sqlx::Error) -> ExportError {
    ExportError::Sqlite(e)
}

fn schema() -> String {
    let mut s = String::from(
        "CREATE TABLE event_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT NOT NULL UNIQUE);
         CREATE TABLE object_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT NOT NULL UNIQUE);
         CREATE TABLE event (ocel_id TEXT PRIMARY KEY, \
             ocel_type TEXT NOT NULL REFERENCES event_map_type (ocel_type));
         CREATE TABLE object (ocel_id TEXT PRIMARY KEY, \
             ocel_type TEXT NOT NULL REFERENCES object_map_type (ocel_type));
         CREATE TABLE event_object (
             ocel_event_id TEXT NOT NULL REFERENCES event (ocel_id),
             ocel_object_id TEXT NOT NULL REFERENCES object (ocel_id),
             ocel_qualifier TEXT NOT NULL,
             PRIMARY KEY (ocel_event_id, ocel_object_id, ocel_qualifier));
         CREATE TABLE object_object (
             ocel_source_id TEXT NOT NULL REFERENCES object (ocel_id),
             ocel_target_id TEXT NOT NULL REFERENCES object (ocel_id),
             ocel_qualifier TEXT NOT NULL,
             PRIMARY KEY (ocel_source_id, ocel_target_id, ocel_qualifier));\n",
    );
    for t in EVENT_TYPES {
        s.push_str(&format!(
            "CREATE TABLE event_{} (ocel_id TEXT PRIMARY KEY REFERENCES event (ocel_id), \
             ocel_time TIMESTAMP NOT NULL{});\n",
            t.map,
            columns(t)
        ));
    }
    for t in OBJECT_TYPES {
        s.push_str(&format!(
            "CREATE TABLE object_{} (ocel_id TEXT NOT NULL REFERENCES object (ocel_id), \
             ocel_time TIMESTAMP NOT NULL, ocel_changed_field TEXT{});\n",
            t.map,
            columns(t)
        ));
    }
    s
}

fn columns(t: &TypeDef) -> String {
    t.attrs
        .iter()
        .map(|a| format!(", {} {}", a.column, a.ty.sqlite()))
        .collect()
}

fn insert(table: &str, fixed: &[&str], t: &TypeDef) -> String {
    let cols: Vec<&str> = fixed
        .iter()
        .copied()
        .chain(t.attrs.iter().map(|a| a.column))
        .collect();
    format!(
        "INSERT INTO {table}_{} ({}) VALUES ({})",
        t.map,
        cols.join(", "),
        vec!["?"; cols.len()].join(", ")
    )
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>;

fn bind_values<'q>(mut q: Query<'q>, t: &TypeDef, values: &[Option<Value>]) -> Query<'q> {
    for (a, v) in t.attrs.iter().zip(values) {
        q = match (a.ty, v) {
            (_, Some(Value::Str(s))) => q.bind(s.clone()),
            (_, Some(Value::Int(n))) => q.bind(*n),
            (_, Some(Value::Bool(b))) => q.bind(*b),
            (_, Some(Value::Time(t))) => q.bind(time(*t)),
            (AttrType::Integer, None) => q.bind(None::<i64>),
            (AttrType::Boolean, None) => q.bind(None::<bool>),
            (AttrType::String | AttrType::Time, None) => q.bind(None::<String>),
        };
    }
    q
}

impl SqliteSink {
    /// Creates the file (it must not exist) with the schema and the type maps, and begins the
    /// transaction that the rows go into.
    pub async fn create(path: &Path) -> Result<Self, ExportError> {
        if path.exists() {
            return Err(ExportError::Io(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} already exists", path.display()),
            )));
        }
        let mut conn = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .foreign_keys(true)
            .journal_mode(SqliteJournalMode::Off)
            .synchronous(SqliteSynchronous::Off)
            .connect()
            .await
            .map_err(db)?;
        for statement in schema().split(';').filter(|s| !s.trim().is_empty()) {
            sqlx::query(statement)
                .execute(&mut conn)
                .await
                .map_err(db)?;
        }
        for t in EVENT_TYPES {
            sqlx::query("INSERT INTO event_map_type (ocel_type, ocel_type_map) VALUES (?, ?)")
                .bind(t.name)
                .bind(t.map)
                .execute(&mut conn)
                .await
                .map_err(db)?;
        }
        for t in OBJECT_TYPES {
            sqlx::query("INSERT INTO object_map_type (ocel_type, ocel_type_map) VALUES (?, ?)")
                .bind(t.name)
                .bind(t.map)
                .execute(&mut conn)
                .await
                .map_err(db)?;
        }
        sqlx::query("BEGIN").execute(&mut conn).await.map_err(db)?;
        Ok(Self {
            conn,
            object_sql: OBJECT_TYPES
                .iter()
                .map(|t| {
                    (
                        t.map,
                        insert("object", &["ocel_id", "ocel_time", "ocel_changed_field"], t),
                    )
                })
                .collect(),
            event_sql: EVENT_TYPES
                .iter()
                .map(|t| (t.map, insert("event", &["ocel_id", "ocel_time"], t)))
                .collect(),
        })
    }
}

fn sql_of<'a>(list: &'a [(&'static str, String)], t: &TypeDef) -> &'a str {
    list.iter()
        .find(|(m, _)| *m == t.map)
        .map_or("", |(_, s)| s.as_str())
}

#[async_trait]
impl OcelSink for SqliteSink {
    async fn object(&mut self, o: &Object) -> Result<(), ExportError> {
        let conn = &mut self.conn;
        sqlx::query("INSERT INTO object (ocel_id, ocel_type) VALUES (?, ?)")
            .bind(&o.id)
            .bind(o.ty.name)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        let q = sqlx::query(sql_of(&self.object_sql, o.ty))
            .bind(&o.id)
            .bind(STATIC_TIME)
            .bind(None::<String>);
        bind_values(q, o.ty, &o.attrs)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        for (target, qualifier) in &o.rels {
            sqlx::query(
                "INSERT INTO object_object (ocel_source_id, ocel_target_id, ocel_qualifier) \
                 VALUES (?, ?, ?)",
            )
            .bind(&o.id)
            .bind(target)
            .bind(*qualifier)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        }
        Ok(())
    }

    async fn end_objects(&mut self) -> Result<(), ExportError> {
        Ok(())
    }

    async fn event(&mut self, e: &Event) -> Result<(), ExportError> {
        let conn = &mut self.conn;
        sqlx::query("INSERT INTO event (ocel_id, ocel_type) VALUES (?, ?)")
            .bind(&e.id)
            .bind(e.ty.name)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        let q = sqlx::query(sql_of(&self.event_sql, e.ty))
            .bind(&e.id)
            .bind(time(e.time));
        bind_values(q, e.ty, &e.attrs)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        for (object, qualifier) in &e.rels {
            sqlx::query(
                "INSERT INTO event_object (ocel_event_id, ocel_object_id, ocel_qualifier) \
                 VALUES (?, ?, ?)",
            )
            .bind(&e.id)
            .bind(object)
            .bind(*qualifier)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        }
        Ok(())
    }

    async fn finish(&mut self) -> Result<(), ExportError> {
        sqlx::query("COMMIT")
            .execute(&mut self.conn)
            .await
            .map_err(db)?;
        Ok(())
    }
}
