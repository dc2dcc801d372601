// Each RDS family's engine default parameters, as DescribeEngineDefaultParameters serves them: a
// sample of the engine's real parameters (enough that a listing pages, MaxRecords being at least 20)
// and the family's TLS parameter with its default (src/sim/world/rds-families.ts).
import { familySpec, tlsParameter, type EngineKind } from "../world/rds-families.js";

export interface EngineDefaultParameter {
  ParameterName: string;
  /** Absent: the family sets no value (the engine's built-in default applies). */
  ParameterValue?: string;
  Source: "engine-default" | "system";
  ApplyType: "static" | "dynamic";
  DataType: string;
  AllowedValues?: string;
  Description: string;
}

/** Real parameter names of each engine kind, without values ("|"-separated: SQL Server's contain spaces). */
const COMMON: Record<EngineKind, readonly string[]> = {
  postgres: (
    "autovacuum|autovacuum_max_workers|checkpoint_timeout|client_encoding|default_statistics_target|" +
    "effective_cache_size|idle_in_transaction_session_timeout|log_connections|log_disconnections|" +
    "log_min_duration_statement|log_statement|maintenance_work_mem|max_connections|max_wal_size|" +
    "password_encryption|random_page_cost|rds.logical_replication|shared_buffers|shared_preload_libraries|" +
    "ssl|ssl_max_protocol_version|ssl_min_protocol_version|statement_timeout|timezone|work_mem"
  ).split("|"),
  mysql: (
    "binlog_format|character_set_server|collation_server|connect_timeout|general_log|innodb_buffer_pool_size|" +
    "innodb_flush_log_at_trx_commit|innodb_lock_wait_timeout|local_infile|log_bin_trust_function_creators|" +
    "log_output|long_query_time|max_allowed_packet|max_connections|performance_schema|slow_query_log|" +
    "sql_mode|ssl_cipher|table_open_cache|time_zone|tls_version|transaction_isolation|wait_timeout"
  ).split("|"),
  sqlserver: (
    "1204|1222|backup compression default|clr enabled|contained database authentication|" +
    "cost threshold for parallelism|database mail xps|fill factor (%)|max degree of parallelism|" +
    "max server memory (mb)|min server memory (mb)|optimize for ad hoc workloads|rds.fips|rds.tls10|" +
    "rds.tls11|rds.tls12|remote access|remote query timeout (s)|user connections|xp_cmdshell"
  ).split("|"),
  oracle: (
    "_allow_level_without_connect_by|archive_lag_target|audit_trail|compatible|db_block_checking|" +
    "db_cache_size|db_files|ddl_lock_timeout|global_names|job_queue_processes|open_cursors|optimizer_mode|" +
    "parallel_max_servers|pga_aggregate_target|processes|recyclebin|sec_case_sensitive_logon|sessions|" +
    "sga_target|sqlnetora.sqlnet.encryption_server|undo_retention"
  ).split("|"),
};

/** The family's engine default parameters in name order, or undefined for a family RDS does not have. */
export function engineDefaults(family: string): EngineDefaultParameter[] | undefined {
  const spec = familySpec(family);
  if (!spec) return undefined;
  const params: EngineDefaultParameter[] = COMMON[spec.kind].map((name) => ({
    ParameterName: name,
    Source: "engine-default",
    ApplyType: "dynamic",
    DataType: "string",
    Description: name,
  }));
  const tls = tlsParameter(spec.kind);
  if (tls && spec.tls)
    params.push({
      ParameterName: tls,
      ...(spec.tls.value !== undefined ? { ParameterValue: spec.tls.value } : {}),
      // RDS-specific parameters are set by RDS itself ("system"); engine parameters are the engine's.
      Source: tls.startsWith("rds.") ? "system" : "engine-default",
      ApplyType: spec.tls.applyType,
      DataType: "boolean",
      AllowedValues: spec.tls.allowed,
      Description:
        tls === "rds.force_ssl" ? "Force SSL connections." : "Require that connections use secure transport.",
    });
  return params.sort((a, b) => (a.ParameterName < b.ParameterName ? -1 : 1));
}
