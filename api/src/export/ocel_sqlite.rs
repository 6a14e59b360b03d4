//! OCEL 2.0 SQLite: the standard relational layout (`event`, `object`, `event_object`,
//! `object_object`, `event_map_type`, `object_map_type`, and one `event_<map>` /
//! `object_<map>` table per type with `ocel_id` and a `TIMESTAMP` `ocel_time`), with primary and
//! foreign keys (checked as rows are inserted), the ASCII table names mapped to the Chinese type
//! names by the map tables. Written through sqlx's own SQLite driver (one `libsqlite3-sys` in
//! the tree), in one transaction, as the trail streams: rows are gathered per table into
//! multi-row inserts of at most [`BATCH_ROWS`] rows (each statement is a round trip to sqlx's
//! SQLite worker thread), flushed in the order the foreign keys need.

use std::path::Path;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, SqliteConnection};

use super::ocel::{AttrType, Event, Object, OcelSink, TypeDef, Value, EVENT_TYPES, OBJECT_TYPES};
use super::{time, ExportError, STATIC_TIME};

/// Rows gathered per table before a multi-row insert.
pub const BATCH_ROWS: usize = 500;

/// A value to insert.
#[derive(Debug, Clone)]
enum Cell {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
}

/// One table's pending rows.
#[derive(Debug)]
struct Table {
    /// `INSERT INTO t (a, b) VALUES `.
    head: String,
    /// `(?, ?)`.
    row: String,
    columns: usize,
    cells: Vec<Cell>,
}

impl Table {
    fn new(table: &str, columns: &[&str]) -> Self {
        Self {
            head: format!("INSERT INTO {table} ({}) VALUES ", columns.join(", ")),
            row: format!("({})", vec!["?"; columns.len()].join(", ")),
            columns: columns.len(),
            cells: Vec::with_capacity(columns.len() * BATCH_ROWS),
        }
    }

    fn rows(&self) -> usize {
        self.cells.len() / self.columns
    }
}

/// The SQLite writer (to a new file).
#[derive(Debug)]
pub struct SqliteSink {
    conn: SqliteConnection,
    /// In the order they are flushed: `object`, the object type tables, `object_object`,
    /// `event`, the event type tables, `event_object`.
    tables: Vec<Table>,
}

const OBJECT: usize = 0;
const OBJECT_TYPE: usize = 1;
const OBJECT_OBJECT: usize = OBJECT_TYPE + OBJECT_TYPES.len();
const EVENT: usize = OBJECT_OBJECT + 1;
const EVENT_TYPE: usize = EVENT + 1;
const EVENT_OBJECT: usize = EVENT_TYPE + EVENT_TYPES.len();

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

fn tables() -> Vec<Table> {
    let typed = |prefix: &str, fixed: &[&str], t: &TypeDef| {
        let cols: Vec<&str> = fixed
            .iter()
            .copied()
            .chain(t.attrs.iter().map(|a| a.column))
            .collect();
        Table::new(&format!("{prefix}_{}", t.map), &cols)
    };
    let mut v = vec![Table::new("object", &["ocel_id", "ocel_type"])];
    for t in OBJECT_TYPES {
        v.push(typed(
            "object",
            &["ocel_id", "ocel_time", "ocel_changed_field"],
            t,
        ));
    }
    v.push(Table::new(
        "object_object",
        &["ocel_source_id", "ocel_target_id", "ocel_qualifier"],
    ));
    v.push(Table::new("event", &["ocel_id", "ocel_type"]));
    for t in EVENT_TYPES {
        v.push(typed("event", &["ocel_id", "ocel_time"], t));
    }
    v.push(Table::new(
        "event_object",
        &["ocel_event_id", "ocel_object_id", "ocel_qualifier"],
    ));
    v
}

fn cells(t: &TypeDef, values: &[Option<Value>], out: &mut Vec<Cell>) {
    for (a, v) in t.attrs.iter().zip(values) {
        out.push(match (a.ty, v) {
            (_, Some(Value::Str(s))) => Cell::Text(Some(s.clone())),
            (_, Some(Value::Int(n))) => Cell::Int(Some(*n)),
            (_, Some(Value::Bool(b))) => Cell::Bool(Some(*b)),
            (_, Some(Value::Time(t))) => Cell::Text(Some(time(*t))),
            (AttrType::Integer, None) => Cell::Int(None),
            (AttrType::Boolean, None) => Cell::Bool(None),
            (AttrType::String | AttrType::Time, None) => Cell::Text(None),
        });
    }
}

fn text(s: &str) -> Cell {
    Cell::Text(Some(s.to_owned()))
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
            tables: tables(),
        })
    }

    /// Inserts every pending row, table by table in the order the foreign keys need.
    async fn flush(&mut self) -> Result<(), ExportError> {
        for table in &mut self.tables {
            if table.cells.is_empty() {
                continue;
            }
            let mut sql = table.head.clone();
            for n in 0..table.rows() {
                if n > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&table.row);
            }
            let mut q = sqlx::query(&sql).persistent(false);
            for c in table.cells.drain(..) {
                q = match c {
                    Cell::Text(v) => q.bind(v),
                    Cell::Int(v) => q.bind(v),
                    Cell::Bool(v) => q.bind(v),
                };
            }
            q.execute(&mut self.conn).await.map_err(db)?;
        }
        Ok(())
    }

    async fn flush_if_full(&mut self) -> Result<(), ExportError> {
        if self.tables.iter().any(|t| t.rows() >= BATCH_ROWS) {
            self.flush().await?;
        }
        Ok(())
    }
}

fn type_index(list: &[&TypeDef], t: &TypeDef) -> usize {
    list.iter().position(|x| x.map == t.map).unwrap_or(0)
}

#[async_trait]
impl OcelSink for SqliteSink {
    async fn object(&mut self, o: &Object) -> Result<(), ExportError> {
        let t = &mut self.tables;
        t[OBJECT].cells.extend([text(&o.id), text(o.ty.name)]);
        let typed = &mut t[OBJECT_TYPE + type_index(&OBJECT_TYPES, o.ty)].cells;
        typed.extend([text(&o.id), text(STATIC_TIME), Cell::Text(None)]);
        cells(o.ty, &o.attrs, typed);
        for (target, qualifier) in &o.rels {
            t[OBJECT_OBJECT]
                .cells
                .extend([text(&o.id), text(target), text(qualifier)]);
        }
        self.flush_if_full().await
    }

    async fn end_objects(&mut self) -> Result<(), ExportError> {
        self.flush().await
    }

    async fn event(&mut self, e: &Event) -> Result<(), ExportError> {
        let t = &mut self.tables;
        t[EVENT].cells.extend([text(&e.id), text(e.ty.name)]);
        let typed = &mut t[EVENT_TYPE + type_index(&EVENT_TYPES, e.ty)].cells;
        typed.extend([text(&e.id), text(&time(e.time))]);
        cells(e.ty, &e.attrs, typed);
        for (object, qualifier) in &e.rels {
            t[EVENT_OBJECT]
                .cells
                .extend([text(&e.id), text(object), text(qualifier)]);
        }
        self.flush_if_full().await
    }

    async fn finish(&mut self) -> Result<(), ExportError> {
        self.flush().await?;
        sqlx::query("COMMIT")
            .execute(&mut self.conn)
            .await
            .map_err(db)?;
        Ok(())
    }
}
