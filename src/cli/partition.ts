// `tesoro partition --partitions N`: the record tables partitioned by client (docs/scaling.md,
// "Past one database"). Run once, with the workers stopped; tables already partitioned are kept.
import type { Runtime } from '../runtime.ts';
import { isPartitionCount, partitionRecordTables, recordPartitions } from '../store/partitioning.ts';
import { CliError, type CliOutput } from './output.ts';

export async function partitionCommand(
  runtime: Runtime,
  partitions: string | undefined,
  out: CliOutput,
): Promise<void> {
  const count = Number(partitions);
  if (!isPartitionCount(count))
    throw new CliError('Usage: tesoro partition --partitions N (a whole number from 2 to 1024)');
  const db = runtime.database.db;
  const moved = await partitionRecordTables(db, count);
  const now = await recordPartitions(db);
  out.result(
    { partitioned: moved, tables: now },
    moved.length === 0
      ? 'Every record table is already partitioned.'
      : moved.map((t) => `${t.table}: ${t.partitions} partitions, ${t.rows} rows moved`).join('\n'),
  );
}
