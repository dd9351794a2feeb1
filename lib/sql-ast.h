/*
 * sql-ast.h - the SQL engine's family-private parts: tokens, the AST the
 * parser builds, and the calls between sql-lex.c, sql-parse.c,
 * sql-exec.c and sql-render.c.
 *
 * Ownership: every node, string and array of one parse lives in the
 * parse's arena (struct sql_arena) and is freed with it in one call;
 * nodes are never freed one by one.  The executor may annotate
 * expression nodes (slot) while it runs a statement.
 *
 * Ceilings: statement text GT_SQL_MAX_TEXT, identifiers GT_NAME_MAX
 * bytes, string literals GT_SQL_MAX_STR, list lengths (IN lists,
 * columns, select items) GT_SQL_MAX_LIST, VALUES rows GT_SQL_MAX_ROWS,
 * expression nesting GT_SQL_MAX_DEPTH, statements per text
 * GT_SQL_MAX_STMTS.  Going past one is a syntax error, never a crash.
 */
#ifndef GT_SQL_AST_H
#define GT_SQL_AST_H

#include "timeutil.h"
#include <stdbool.h>
#include "sql.h"

#define GT_SQL_MAX_TEXT (16u << 20)
#define GT_SQL_MAX_STR (1u << 20)
#define GT_SQL_MAX_LIST 4096
#define GT_SQL_MAX_ROWS 100000
#define GT_SQL_MAX_DEPTH 128
#define GT_SQL_MAX_STMTS 1024

/* Token kinds. */
enum sql_tok {
	T_EOF = 0,
	T_IDENT,     /* bare identifier or keyword (s holds the text) */
	T_QIDENT,    /* "quoted" or `quoted` identifier */
	T_STR,       /* 'string' */
	T_DQSTR,     /* "string": an identifier unless used as a VALUES literal */
	T_INT,
	T_FLOAT,
	T_OP,        /* punctuation and operators: s holds the text */
	T_PARAM,     /* placeholder: ? or $N (s holds the text) */
	T_RAW,       /* TQL's PromQL text, unlexed, up to ';' (s points into the input) */
};

struct sql_token {
	uint8_t kind;
	uint32_t line, col;
	const char *s;        /* text (unescaped for strings and quoted identifiers) */
	size_t n;
	size_t off;           /* byte offset of the token in the input */
};

/* A bump allocator: blocks chained, freed at once. */
struct sql_arena {
	struct sql_arena_block *head;
	size_t used;          /* bytes handed out (ceiling GT_SQL_MAX_TEXT * 8) */
};
void *sql_alloc(struct sql_arena *a, size_t n);
char *sql_strndup(struct sql_arena *a, const char *s, size_t n);
void sql_arena_free(struct sql_arena *a);

struct sql_order;

/* Expression nodes. */
enum sql_ekind {
	E_NULL = 1, E_INT, E_FLOAT, E_STR, E_BOOL,
	E_COL,        /* s = name, q = qualifier or NULL */
	E_STAR,       /* * (only in count(*) and select lists) */
	E_NEG, E_NOT,
	E_BIN,        /* op = enum sql_binop, a op b */
	E_FUNC,       /* s = lowercase name, args; distinct; ord (ORDER BY inside) */
	E_CAST,       /* a AS type/unit */
	E_IN,         /* a [NOT] IN (args) */
	E_BETWEEN,    /* a [NOT] BETWEEN b AND c */
	E_LIKE,       /* a [NOT] LIKE b */
	E_ISNULL,     /* a IS [NOT] NULL */
	E_INTERVAL,   /* i = nanoseconds (days included), months in i2, days = whole days of i */
	E_CASE,       /* args: when, then, when, then ...; a = else or NULL */
	E_SUBQ,       /* (SELECT ...) as a value: sub; also a IN (SELECT ...) as E_IN with sub */
	E_EXISTS,     /* [NOT] EXISTS (SELECT ...): sub */
	E_WINDOW,     /* s(args) OVER (PARTITION BY part ORDER BY worder) */
};

/* cast_type of x::INTERVAL (not a column type): a string read as an interval. */
#define SQL_CAST_INTERVAL 0xff

enum sql_binop {
	B_ADD = 1, B_SUB, B_MUL, B_DIV, B_MOD,
	B_EQ, B_NE, B_LT, B_LE, B_GT, B_GE,
	B_AND, B_OR, B_CONCAT,
	B_ATAT,       /* text @@ term: matches_term */
};

/* FILL of a range aggregate, or of ALIGN for every aggregate without one. */
enum sql_fill {
	SQL_FILL_NONE = 0,     /* time slots without rows are left out */
	SQL_FILL_NULL,         /* every slot between a key's first and last, null where empty */
	SQL_FILL_PREV,         /* ... and nulls replaced by the previous value */
	SQL_FILL_LINEAR,       /* ... by linear interpolation in time (float) */
	SQL_FILL_CONST,        /* ... by a constant (fillv, as written) */
};

/* RANGE dur [FILL f] after an aggregate call of a range query (sql-range.c). */
struct sql_range {
	struct sql_expr *dur;  /* '5s' (E_STR, checked by the parser) or an interval expression */
	uint8_t fill;          /* enum sql_fill */
	char *fillv;           /* SQL_FILL_CONST: the constant as written */
};

struct sql_expr {
	uint8_t kind;
	uint8_t op;            /* enum sql_binop */
	bool neg;              /* NOT IN, NOT BETWEEN, NOT LIKE, IS NOT NULL */
	bool icase;            /* ILIKE */
	bool distinct;         /* count(DISTINCT x) */
	bool ord_desc;
	bool within;           /* ord came from WITHIN GROUP (ORDER BY ord) */
	bool over;             /* a window call: f(...) OVER (...) (skipped by the parser) */
	uint8_t cast_type, cast_unit, cast_lt;  /* enum gt_type, gt_unit, gt_ltype */
	uint32_t line, col;
	int64_t i, i2;
	double f;
	char *s, *q;           /* E_COL: q is "t" or "db.t" as written */
	struct sql_expr *a, *b, *c;
	struct sql_expr *ord;  /* first_value(x ORDER BY ts) */
	struct sql_expr **args;
	uint32_t nargs;
	struct sql_range *range; /* RANGE ... on this call, or NULL */
	struct sql_select *sub; /* E_SUBQ, E_EXISTS, E_IN over a subquery */
	struct sql_expr **part;     /* E_WINDOW: PARTITION BY keys */
	struct sql_order *worder;   /* E_WINDOW: ORDER BY keys */
	uint32_t npart, nworder;
	int64_t days;          /* E_INTERVAL: the whole days included in i (for its name) */
	int slot;              /* executor: >= 0 reads column slot of the group frame */
	uint32_t param;        /* a literal bound to placeholder $param (named so); 0 = none */
};

struct sql_select_item {
	struct sql_expr *e;
	char *alias;
};

struct sql_order {
	struct sql_expr *e;
	bool desc;
	int nulls_first;       /* -1 default, 0 last, 1 first */
};

/* Set operations between query blocks (sql-rel.c). */
enum sql_setop { SETOP_UNION = 1, SETOP_INTERSECT, SETOP_EXCEPT };

/* Joins of FROM items (sql-rel.c). */
enum sql_jkind { J_INNER = 1, J_LEFT, J_RIGHT, J_FULL, J_CROSS };

struct sql_select;

/* A FROM item after the first: a table, CTE, view or derived table. */
struct sql_from {
	char *db, *name;          /* a named relation, or NULL for sub */
	struct sql_select *sub;   /* (SELECT ...) */
	char *alias;
	uint8_t join;             /* enum sql_jkind: how it joins what comes before */
	struct sql_expr *on;
	char **using;
	uint32_t nusing;
	bool natural;             /* NATURAL: USING the column names both sides have */
};

/* WITH name [(cols)] AS (query) */
struct sql_cte {
	char *name;
	char **cols;
	uint32_t ncols;
	struct sql_select *q;
	struct sql_stmt *tql;     /* AS (TQL EVAL ...): GreptimeDB's TQL CTE, in place of q */
};

/*
 * A query: one block (items ... HAVING) or, when setop is set, left
 * setop right with items unused; ORDER BY / LIMIT / OFFSET apply to the
 * whole.  The first FROM item is from_db.from (a table, CTE or view) or
 * sub (a derived table), named alias; joins hold the ones after it.
 */
struct sql_select {
	struct sql_select_item *items;
	uint32_t nitems;
	char *from_db, *from;  /* NULL = no FROM (or a derived table in sub) */
	char *alias;           /* FROM t AS alias */
	struct sql_select *sub;
	struct sql_from *joins;
	uint32_t njoins;
	uint8_t setop;         /* enum sql_setop, 0 = a plain block */
	bool setop_all;
	struct sql_select *left, *right;
	struct sql_cte *ctes;  /* WITH, in order (each sees those before it) */
	uint32_t nctes;
	struct sql_expr *where, *having;
	struct sql_expr **group;
	uint32_t ngroup;
	bool distinct;         /* SELECT DISTINCT: grouped by every item */
	bool distinct_rows;    /* SELECT DISTINCT ... GROUP BY: output rows deduplicated */
	/* FROM generate_series(start, stop[, step]) AS col: this block selects
	 * the arguments, and run_rel turns its one row into the rows of col */
	bool series;
	char *series_col;
	struct sql_expr **distinct_on;  /* SELECT DISTINCT ON (...): first row per key after ORDER BY */
	uint32_t ndistinct_on;
	struct sql_order *order;
	uint32_t norder;
	int64_t limit, offset; /* -1 = none */
	/* Range query (sql-range.c): ALIGN align [TO align_to] [BY (by)] [FILL fill] */
	struct sql_expr *align;    /* NULL = not a range query */
	struct sql_expr *align_to; /* NULL = the epoch; NOW, CALENDAR or a timestamp as E_STR; or an expression */
	struct sql_expr **by;
	uint32_t nby;
	bool by_given;             /* BY (...) written, possibly empty; else the primary key */
	uint8_t fill;              /* enum sql_fill for aggregates without their own */
	char *fillv;
};

/* One option of a WITH(...) list or ALTER ... SET/UNSET (val NULL for UNSET). */
struct sql_opt {
	char *key, *val;
};

struct sql_coldef {
	char *name;
	uint8_t type, unit, lt;   /* enum gt_type, gt_unit, gt_ltype */
	bool not_null, null_given, time_index, primary;
	char *dflt;            /* DEFAULT expression text */
	struct sql_expr *dflt_e;
	uint8_t index;         /* enum gt_index bits: FULLTEXT / SKIPPING / INVERTED INDEX */
	struct sql_opt *ft_opts, *sk_opts;  /* FULLTEXT / SKIPPING INDEX WITH(...) */
	uint32_t nft, nsk;
	char *opt_err;         /* a column option error GreptimeDB reports at execution */
};

enum sql_skind {
	S_CREATE_DB = 1, S_DROP_DB, S_SHOW_DBS, S_USE,
	S_CREATE_TABLE, S_DROP_TABLE, S_SHOW_TABLES, S_SHOW_CREATE, S_DESCRIBE,
	S_ALTER_ADD, S_ALTER_DROP, S_TRUNCATE,
	S_INSERT, S_DELETE, S_SELECT,
	S_ADMIN,               /* ADMIN func(args): sel_text is the column header */
	S_SET,                 /* SET name = value (name, value) */
	S_EXPLAIN,             /* EXPLAIN [ANALYZE] inner */
	S_ALTER_SET,           /* ALTER TABLE t SET k = v, ... / UNSET k, ... (opts) */
	S_CREATE_LIKE,         /* CREATE TABLE name LIKE like_db.like */
	S_SHOW_CREATE_DB, S_ALTER_DB_SET,
	S_SHOW_COLUMNS, S_SHOW_INDEX, S_SHOW_CHARSET, S_SHOW_COLLATION, S_SHOW_PROCESSLIST, S_SHOW_TABLE_STATUS,
	S_SHOW_REGION,         /* SHOW REGION FROM table [IN db] */
	/* sql-view.c: CREATE [OR REPLACE] VIEW db.name [(icols)] AS sel (text: the whole statement) */
	S_CREATE_VIEW, S_DROP_VIEW, S_SHOW_VIEWS, S_SHOW_CREATE_VIEW,
	/* sql-tql.c: TQL EVAL|EXPLAIN|ANALYZE [VERBOSE] [(start, end, step[, lookback])] promql [AS alias]:
	 * tql_args, text (the PromQL), name (the alias or NULL), tql_verb, verbose */
	S_TQL,
};

struct sql_stmt {
	uint8_t kind;
	struct sql_arena *arena;  /* the parse's: where the executor adds nodes (subquery results) */
	bool if_exists;        /* IF [NOT] EXISTS */
	bool or_replace;       /* CREATE OR REPLACE VIEW */
	bool full;
	uint32_t line, col;
	char *db;              /* database part of a qualified name, or NULL */
	char *name;            /* database or table */
	char *like;            /* SHOW TABLES LIKE */
	char *value;           /* SET: the value */
	/* CREATE TABLE / ALTER ADD */
	struct sql_coldef *cols;
	uint32_t ncols;
	char *ts_col;          /* TIME INDEX(ts) constraint */
	uint32_t nts;          /* time index constraints seen */
	char **pk;
	uint32_t npk;
	int64_t ttl_ms;
	bool append_mode;
	uint8_t merge_mode;    /* enum gt_merge_mode */
	struct sql_opt *opts;  /* WITH(...) of CREATE, SET/UNSET of ALTER, in order given */
	uint32_t nopts;
	char *engine;          /* ENGINE=name, or NULL */
	char *like_db;         /* CREATE TABLE ... LIKE [like_db.]like */
	bool partitioned;      /* PARTITION ON COLUMNS (part_cols) (part_exprs): */
	char **part_cols;      /*   column names */
	char **part_exprs;     /*   each expression's source text (partition.h checks it) */
	uint32_t npart_cols, npart_exprs;
	struct sql_expr *show_where;  /* SHOW ... WHERE */
	int64_t *ranges;       /* TRUNCATE ... FILE RANGE (start, end), ...: pairs */
	uint32_t nranges;
	char *dropcol;         /* ALTER DROP COLUMN */
	/* INSERT: VALUES rows, or sel for INSERT ... SELECT */
	char **icols;
	uint32_t nicols;
	struct sql_expr ***rows;  /* nrows x nicols_row values */
	uint32_t *rowlen;
	uint32_t nrows;
	/* DELETE / SELECT */
	struct sql_expr *where;
	struct sql_select *sel;
	/* DROP TABLE a, b: the names after the first (dbs[i] may be NULL) */
	char **more_db, **more_name;
	uint32_t nmore;
	/* ADMIN */
	struct sql_expr *call;
	char *text;            /* source text of the statement after its first keyword */
	/* EXPLAIN */
	struct sql_stmt *inner;
	bool analyze;
	bool verbose;          /* EXPLAIN VERBOSE, TQL EXPLAIN|ANALYZE VERBOSE */
	/* TQL */
	struct sql_expr *tql_args[4];
	uint32_t ntql_args;
	uint8_t tql_verb;      /* 'E'val, e'X'plain, 'A'nalyze */
};

struct sql_parse {
	struct sql_arena arena;
	struct sql_stmt **stmts;
	uint32_t n;
};

/* Lexer: all tokens of text into *toks (arena), ending with T_EOF. */
int sql_lex(struct sql_arena *a, const char *text, size_t len, struct sql_token **toks,
	    uint32_t *ntoks, struct gt_sql_error *e);
/*
 * An interval's text ('1 hour 30 minutes', '2 days', '1 year'): 0 with
 * *ns (days included), *months and *days (whole days, as DataFusion keeps
 * them apart); -1 not an interval, -2 unknown unit, -3 too large.  unit
 * (ulen bytes), when not NULL, is the unit of a number written without
 * one (INTERVAL '1' DAY).
 */
int sql_interval_parse(const char *s, size_t n, const char *unit, size_t ulen, int64_t *ns, int64_t *months,
		       int64_t *days);
/* Parse every statement of text.  On error e is filled (status, line, col). */
int sql_parse(struct sql_parse *p, const char *text, size_t len, struct gt_sql_error *e);
/* The same with params[0..nparams) bound to its placeholders (gt_sql_exec_params). */
int sql_parse_params(struct sql_parse *p, const char *text, size_t len, const struct gt_sql_param *params,
		     uint32_t nparams, struct gt_sql_error *e);
void sql_parse_free(struct sql_parse *p);

/* Fill e and return GT_EINVAL (or code for non-syntax errors). */
int sql_err(struct gt_sql_error *e, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "out of memory" as a statement error; returns its code. */
int sql_nomem(struct gt_sql_error *e);
/* An engine or catalog error (rc, err) as a statement error with its status. */
struct gt_err;
int sql_engine_err(struct gt_sql_error *e, int rc, const struct gt_err *err);

/* Execute one statement, appending its output to res. */
int sql_exec_stmt(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res,
		  struct gt_sql_error *e);

/* sql-ddl.c: ADMIN, DROP TABLE lists and the other administrative statements. */
int sql_exec_ddl(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res,
		 struct gt_sql_error *e);
/* sql-show.c: the SHOW statements. */
int sql_exec_show(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res,
		  struct gt_sql_error *e);
/* One index entry of a table, as SHOW INDEX and information_schema.statistics list them. */
struct sql_index_row {
	char key[GT_NAME_MAX + 32];   /* PRIMARY, TIME INDEX, FULLTEXT_INDEX_<col> ... */
	uint32_t seq;                 /* position in the key, from 1 */
	const struct gt_coldef *c;    /* points into the schema */
	const char *type;             /* PRIMARY, TIME, FULLTEXT, SKIPPING, INVERTED */
	const char *gtype;            /* greptime_index_type: dense, inverted, bloom_filter ... */
	bool unique;
};
/* sc's index entries sorted by key name and position; *out is freed by the caller.  0 or GT_ENOMEM. */
int sql_index_rows(const struct gt_schema *sc, struct sql_index_row **out, uint32_t *n);
/* A column's type as SHOW CREATE TABLE writes it: STRING, DOUBLE, TIMESTAMP(3) ... */
const char *sql_type_name(const struct gt_coldef *c, char *buf, size_t n);
/* GreptimeDB's name pattern for databases and tables: [a-zA-Z_:-][a-zA-Z0-9_:\-.@#]* */
bool sql_name_ok(const char *name);
/*
 * The tables SHOW TABLES lists in db: the catalog's, plus the system
 * tables GreptimeDB shows (public.numbers, information_schema's), sorted.
 * *names is NULL-terminated; free it with gt_strv_free.
 */
int sql_list_tables(struct gt_sql_session *s, const char *db, char ***names, struct gt_sql_error *e);
/* "BASE TABLE", or "LOCAL TEMPORARY" for a system table. */
const char *sql_table_type(const char *db, const char *table);
/* A SELECT's error as GreptimeDB words it ("Failed to plan SQL: Table not found: ..."); returns rc. */
int sql_plan_error(struct gt_sql_error *e, int rc);
/* A new output appended to res (zeroed), or NULL when out of memory. */
struct gt_sql_output *sql_out_new(struct gt_sql_result *res);
/* A records output with columns names[0..n) of types (NULL = all GT_STRING). */
struct gt_sql_output *sql_out_table(struct gt_sql_result *res, const char *const *names, const uint8_t *types,
				    uint32_t n);

/*
 * Relation sources (sql-rel.c).  A SELECT reads either a table (a region
 * scan with the time and tag conjuncts of WHERE pushed down) or an
 * in-memory relation: a schema and a columnar batch, such as the output
 * of another query or a system table built by its provider.  Build one
 * with sql_rel_init + sql_rel_add_col (then push values into
 * rows.cols[k] and set rows.nrows), or take a query's output with
 * sql_rel_from_output; free it with sql_rel_release.  The relation owns
 * name, schema and rows.
 */
struct sql_rel {
	char *name;               /* qualifier of its columns (table name or alias), or NULL */
	struct gt_schema schema;  /* names, types, units; duplicates allowed, first match wins */
	struct gt_batch rows;     /* rows.cols[k] holds schema.cols[k]; rows.nrows rows */
	/* A join's output: quals[k] qualifies column k (its side's name) and
	 * hidden[k] leaves it out of * and unqualified lookups (the left key
	 * of USING); both NULL when name qualifies every column. */
	char **quals;
	bool *hidden;
};
void sql_rel_init(struct sql_rel *r);
void sql_rel_release(struct sql_rel *r);
int sql_rel_set_name(struct sql_rel *r, const char *name);
/* Append a column (a nullable field); returns its index or a negative GT_E* code. */
int sql_rel_add_col(struct sql_rel *r, const char *name, uint8_t type, uint8_t unit);
/* Move a records output's columns and rows into r (o is left empty). */
int sql_rel_from_output(struct sql_rel *r, struct gt_sql_output *o, const char *name);
/*
 * Run the block q over rel instead of its FROM table: WHERE, GROUP BY,
 * aggregates, HAVING, ORDER BY, LIMIT as for a table, column references
 * qualified by rel->name.  rel NULL = q's FROM table (a system table or
 * a region scan) or no FROM.  Appends one records output to res.  rel
 * is only read.  0, or a negative code with e filled.
 */
int sql_select_rel(struct gt_sql_session *s, struct sql_select *q, const struct sql_rel *rel,
		   struct gt_sql_result *res, struct gt_sql_error *e);
/*
 * Run a whole query (sql-rel.c): WITH, set operations, derived tables,
 * CTE and view references, joins, subqueries in expressions (run first
 * and replaced by their values, nodes allocated in arena), then the
 * blocks through sql_select_rel.  Appends one records output to res.
 * sink (NULL = none) may take the rows of q's own block (sql_select_stream).
 */
int sql_query_run(struct gt_sql_session *s, struct sql_arena *arena, struct sql_select *q,
		  const struct gt_sql_sink *sink, struct gt_sql_result *res, struct gt_sql_error *e);
/*
 * The statement's own block q handed to sink as the scan makes its rows
 * (sql.h: struct gt_sql_sink), when q reads one table's columns and
 * nothing needs the whole result: 1 = done (a streamed output appended to
 * res), 0 = q is not such a query (run it as usual; nothing was done),
 * < 0 = error in e.
 */
int sql_select_stream(struct gt_sql_session *s, struct sql_select *q, const struct gt_sql_sink *sink,
		      struct gt_sql_result *res, struct gt_sql_error *e);

/* sql-tql.c: TQL EVAL, evaluated by the PromQL engine over the session's database; whatever
 * st's verb, under a plan recorder (s->plan: EXPLAIN, TQL EXPLAIN|ANALYZE) it records its plan. */
int sql_exec_tql(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res, struct gt_sql_error *e);

/* sql-view.c: CREATE/DROP VIEW, SHOW VIEWS, SHOW CREATE VIEW. */
int sql_exec_view(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_result *res, struct gt_sql_error *e);
/* The rows of view db.name as a relation: 1 = rel filled, 0 = no such view, < 0 = error in e. */
int sql_view_rel(struct gt_sql_session *s, const char *db, const char *name, struct sql_rel *rel,
		 struct gt_sql_error *e);

/*
 * sql-sys.c: a system table (information_schema.*, public.numbers,
 * pg_catalog.* for PostgreSQL sessions) as a relation.  SELECT asks it
 * first for every FROM name (db already resolved: sql_pg_named's
 * pg_catalog, else the session's when unqualified): 1 = rel filled (the
 * caller releases it), 0 = not a system table, < 0 = error in e.
 */
int sql_sys_table(struct gt_sql_session *s, const char *db, const char *name, struct sql_rel *rel,
		  struct gt_sql_error *e);
/* Whether FROM name (db as written, NULL = unqualified) is one of the
 * pg_catalog tables, which only PostgreSQL sessions see and which an
 * unqualified name finds before the session's database, as PostgreSQL
 * searches pg_catalog first. */
bool sql_pg_named(const struct gt_sql_session *s, const char *db, const char *name);
/* The oids of the relations pg_table_is_visible() is true for: the tables
 * of the session's database and of public (PostgreSQL's default search
 * path, "$user", public, with the database in the user's place).  *oids
 * is the caller's to free. */
int sql_pg_visible_oids(struct gt_sql_session *s, uint32_t **oids, size_t *n, struct gt_sql_error *e);
/*
 * GreptimeDB's public.numbers: one UInt32 column `number` holding 0..n-1.
 * Its scan yields SQL_NUMBERS_ROWS rows, or as many as a LIMIT pushed into
 * it asks for (at most SQL_NUMBERS_MAX).  Returns 1 with rel filled.
 */
#define SQL_NUMBERS_ROWS 100
#define SQL_NUMBERS_MAX (1u << 20)
int sql_numbers_table(struct sql_rel *rel, uint32_t n, struct gt_sql_error *e);
/*
 * The peer serving each region (information_schema.region_peers, SHOW
 * REGION).  Standalone serves every region itself: peer 0, no address,
 * alive.  A cluster's frontend asks gt-meta for every route once.
 */
struct gt_meta_route;
struct sql_peers {
	struct gt_meta_route *routes;   /* cluster: gt-meta's routes; NULL standalone */
	size_t n;
	bool cluster;
};
struct sql_peer {
	bool known;                     /* false: a cluster region without a route (id 0, addr "") */
	uint64_t id;
	const char *addr;
	bool alive;
	int64_t down_seconds;
};
int sql_peers_load(struct gt_sql_session *s, struct sql_peers *p, struct gt_sql_error *e);
void sql_peers_get(const struct sql_peers *p, uint64_t region_id, struct sql_peer *out);
void sql_peers_release(struct sql_peers *p);
/* A duration as GreptimeDB (humantime) reads it: "7d", "1 second", "2years" -> ms. */
int64_t sql_parse_duration_ms(const char *s, bool *ok);
/* ... and writes it: 604800000 -> "7days", 3600000 -> "1h". */
void sql_fmt_duration_ms(char *buf, size_t n, int64_t ms);
/*
 * sql-ddl.c: apply table options opts[0..n) (CREATE TABLE ... WITH,
 * ALTER TABLE SET with alter set, UNSET when val is NULL) to o: checked
 * as GreptimeDB checks them, stored in o->kv, and ttl_ms, append_mode and
 * merge_mode derived again.
 */
int sql_table_opts_apply(struct gt_table_opts *o, const struct sql_opt *opts, uint32_t n, bool alter,
			 struct gt_sql_error *e);
/* ENGINE=name (NULL: mito) into o; metric tables must say physical or logical. */
int sql_table_engine(struct gt_table_opts *o, const char *engine, struct gt_sql_error *e);
/*
 * sql-metric.c: metric engine tables (see its header for the design).
 * physical_of: the on_physical_table of a logical metric table, or NULL.
 * internal_col: __table_id / __tsid of a physical table (SHOW CREATE hides them).
 * stmt_logical: CREATE TABLE st names on_physical_table.
 * sort_cols: a logical table's columns in name order, as GreptimeDB lists them.
 * logical_check: sc (a logical table) checked against its physical table
 * as the metric engine checks it, taking the physical table's region options.
 * widen_physical: the physical table of logical gains the tags it lacks.
 * alter_check: GreptimeDB's error for an ALTER of a logical table other than ADD COLUMN.
 * drop_check: GreptimeDB's error when db.name is a physical table in use.
 */
const char *sql_metric_physical_of(const struct gt_table_opts *o);
bool sql_metric_is_physical(const struct gt_table_opts *o);
bool sql_metric_internal_col(const struct gt_table_opts *o, const char *name);
bool sql_metric_stmt_logical(const struct sql_stmt *st);
void sql_metric_sort_cols(struct sql_stmt *st);
int sql_metric_logical_check(struct gt_sql_session *s, const char *db, struct gt_schema *sc, struct gt_sql_error *e);
int sql_metric_widen_physical(struct gt_sql_session *s, const char *db, const struct gt_schema *logical,
			      struct gt_sql_error *e);
int sql_metric_alter_check(const struct gt_table_opts *o, bool add_column, struct gt_sql_error *e);
int sql_metric_drop_check(struct gt_sql_session *s, const char *db, const char *name, struct gt_sql_error *e);
/* The column options of d (index kinds and their WITH) checked and stored in c. */
int sql_coldef_index(struct gt_coldef *c, const struct sql_coldef *d, struct gt_sql_error *e);
/* CREATE DATABASE ... WITH / ALTER DATABASE SET: st->opts applied to database st->name. */
int sql_db_set_options(struct gt_sql_session *s, struct sql_stmt *st, struct gt_sql_error *e);
/* The database options a new table in db starts with (all but compaction.*). */
int sql_db_table_defaults(struct gt_sql_session *s, const char *db, struct gt_table_opts *o, struct gt_sql_error *e);

/* A data type as GreptimeDB's errors print it: Int32(Int32Type), String(StringType { size_type: Utf8 }) ... */
const char *sql_dt_name(uint8_t type, uint8_t lt);
/* A data type as Arrow (DataFusion's errors and arrow_cast) names it: Int64, Utf8, Timestamp(ms), Duration(ms) ... */
const char *sql_arrow_type_name(uint8_t type, uint8_t unit, uint8_t lt);
/* A number or boolean read from text. */
union sql_num {
	int64_t i;             /* GT_I64 and GT_BOOL (0 or 1) */
	uint64_t u;            /* GT_U64 */
	double f;              /* GT_F64 */
};
/*
 * s[0..n) read as a value of type (GT_BOOL, GT_I64, GT_U64, GT_F64) and
 * logical type lt, as GreptimeDB reads a string for one (Rust's parse:
 * no spaces, "true"/"false", integers within lt's range): true with *out
 * set, false when it does not read.
 */
bool sql_str_to_num(const char *s, size_t n, uint8_t type, uint8_t lt, union sql_num *out);

/* Format a timestamp as GreptimeDB prints it (2022-11-03T03:39:57.450). */
void sql_fmt_ts(char *buf, size_t n, int64_t v, uint8_t unit);
/* The same with sep between date and time (' ' for MySQL's DATETIME text); returns the length. */
size_t sql_fmt_ts_sep(char *buf, size_t n, int64_t v, uint8_t unit, char sep);
/* Format a float as GreptimeDB prints it (1.0, 47.26666666666667). */
void sql_fmt_f64(char *buf, size_t n, double v);
/* Days since 1970-01-01 of a nanosecond timestamp (floored). */
int64_t sql_days_of_ns(int64_t ns);
/* Bring the last value of v into logical type lt: round a Float32, or
 * fail with GreptimeDB's error when an integer is out of lt's range
 * (what names the type in the message). */
int sql_narrow_last(struct gt_vec *v, uint8_t lt, const char *what, struct gt_sql_error *e);
/* Row r of v as its logical type lt prints (Float32 in its shortest
 * float32 form, Date as 2024-01-01, Time as 01:02:03, a Duration of
 * unit as PT1.5S); false if lt prints as the storage type. */
bool sql_fmt_logical(char *buf, size_t n, const struct gt_vec *v, uint32_t r, uint8_t lt, uint8_t unit);

#endif
