/// Countersign's PostgreSQL client, on libpq (PostgreSQL's own C library).
///
/// ## Concurrency model
///
/// libpq calls block. Every ``PostgresConnection`` owns one dedicated OS thread
/// (``Platform/DedicatedThread``) and every libpq call for that connection runs
/// there; async callers suspend on a continuation until the call returns. The
/// Swift cooperative pool is therefore never blocked by the database, and the
/// number of such threads is bounded by the pool size (plus one per
/// ``PostgresListener``), and for tenant work by the global cap of the
/// ``PostgresPoolGroup``. A connection is used by one task at a time: the
/// pool hands it out exclusively inside `withConnection {}`.
///
/// ## Safety
///
/// SQL reaches the server only as ``PostgresQuery``: string interpolation binds
/// each value as a parameter (`$n`); identifiers go through ``SQLIdentifier``,
/// the one quoting function. Raw text must be spelled `unsafeSQL:` and is used
/// for migration files and constant statements only.
public enum PostgresModule {}
