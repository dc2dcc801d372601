// RDS parameter group families: which exist, the family of an engine version, and each family's
// default for the parameter that decides whether the database refuses unencrypted connections (the
// RDS service serves the rest of a family's engine defaults, src/sim/services/rds-defaults.ts).
// They follow the RDS user guides: rds.force_ssl is 1 from PostgreSQL 15 and 0 before (0 on Aurora
// PostgreSQL and SQL Server, where it is static); require_secure_transport is 0 / OFF on MySQL,
// MariaDB (which has it from 10.5) and Aurora MySQL. Oracle has no such parameter (its option
// groups carry TLS).

export type EngineKind = "postgres" | "mysql" | "sqlserver" | "oracle";

const TLS_PARAMETER: Record<EngineKind, string | undefined> = {
  postgres: "rds.force_ssl",
  mysql: "require_secure_transport",
  sqlserver: "rds.force_ssl",
  oracle: undefined,
};

export interface FamilySpec {
  kind: EngineKind;
  /** The TLS parameter's default; undefined: the family has no such parameter. */
  tls?: { value?: string; applyType: "static" | "dynamic"; allowed: string };
}

const FAMILIES = new Map<string, FamilySpec>();
const add = (names: readonly string[], spec: FamilySpec): void => {
  for (const n of names) FAMILIES.set(n, spec);
};
const range = (lo: number, hi: number): number[] => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
for (const v of range(11, 17))
  add([`postgres${v}`], {
    kind: "postgres",
    tls: { value: v >= 15 ? "1" : "0", applyType: "dynamic", allowed: "0,1" },
  });
add(
  range(11, 16).map((v) => `aurora-postgresql${v}`),
  { kind: "postgres", tls: { value: "0", applyType: "dynamic", allowed: "0,1" } },
);
add(["mysql5.7", "mysql8.0", "mysql8.4"], {
  kind: "mysql",
  tls: { value: "0", applyType: "dynamic", allowed: "0,1" },
});
add(["aurora-mysql5.7", "aurora-mysql8.0"], {
  kind: "mysql",
  tls: { value: "OFF", applyType: "dynamic", allowed: "ON,OFF" },
});
add(["mariadb10.4"], { kind: "mysql" }); // require_secure_transport arrived in MariaDB 10.5
add(["mariadb10.5", "mariadb10.6", "mariadb10.11", "mariadb11.4"], {
  kind: "mysql",
  tls: { value: "0", applyType: "dynamic", allowed: "0,1" },
});
for (const edition of ["ee", "se", "ex", "web"])
  add(
    ["14.0", "15.0", "16.0"].map((v) => `sqlserver-${edition}-${v}`),
    { kind: "sqlserver", tls: { value: "0", applyType: "static", allowed: "0,1" } },
  );
add(["oracle-ee-19", "oracle-se2-19", "oracle-ee-cdb-19", "oracle-ee-cdb-21", "oracle-se2-cdb-21"], {
  kind: "oracle",
});

export const RDS_FAMILIES: readonly string[] = [...FAMILIES.keys()];

export function isRdsFamily(family: string): boolean {
  return FAMILIES.has(family);
}

/** The parameter group family of an engine version, as RDS names it (postgres16, mysql8.0, sqlserver-se-16.0, …). */
export function rdsFamily(engine: string, version: string): string {
  const [major = "", minor = ""] = version.split(".");
  if (engine === "postgres" || engine === "aurora-postgresql") return `${engine}${major}`;
  if (engine === "mysql" || engine === "mariadb" || engine === "aurora-mysql")
    return `${engine}${major}.${minor}`;
  if (engine.startsWith("sqlserver-")) return `${engine}-${Number(major)}.0`;
  if (engine.startsWith("oracle-")) return `${engine}-${major}`;
  return `${engine}${major}`;
}

/** What the simulator knows of a family, or undefined for one RDS does not have. */
export function familySpec(family: string): FamilySpec | undefined {
  return FAMILIES.get(family);
}

/** The TLS parameter of an engine kind (Oracle has none: its option groups carry TLS). */
export function tlsParameter(kind: EngineKind): string | undefined {
  return TLS_PARAMETER[kind];
}
