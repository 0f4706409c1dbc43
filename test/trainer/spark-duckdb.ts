/**
 * DuckDB (its own C++ Parquet reader and writer, a different implementation from the hyparquet pair
 * earshot uses) as the independent side of the Spark Parquet tests: it reads what export-parquet
 * wrote, and writes the Spark-shaped factor parts import-spark reads. In-memory, one per test file.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export interface Duck {
  /** Rows of a query as objects of JS values (INTEGER/FLOAT as numbers, LIST as arrays). */
  rows(sql: string): Promise<Record<string, unknown>[]>;
  run(sql: string): Promise<void>;
  close(): void;
}

export async function openDuck(): Promise<Duck> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const c: DuckDBConnection = await instance.connect();
  return {
    rows: async (sql) => (await c.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[],
    run: async (sql) => {
      await c.run(sql);
    },
    close: () => {
      c.closeSync();
      instance.closeSync();
    },
  };
}

/** A path as a single-quoted SQL string literal. */
export function lit(p: string): string {
  return `'${p.replace(/'/g, "''")}'`;
}

/**
 * Deterministic factor values for (id, c), distinct per pair, exactly float32 after DuckDB's cast:
 * the SQL expression for `features` of `rank` values.
 */
export function factorSql(idExpr: string, rank: number, type = 'FLOAT'): string {
  return `list_transform(range(${rank}), c -> ((hash(${idExpr} * 1009 + c) % 2000001)::DOUBLE / 1000000 - 1)::${type})`;
}
