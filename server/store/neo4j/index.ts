export { describeNeo4j, NEO4J_DEFAULTS, type Neo4jStoreConfig } from './config';
export { Neo4jStore } from './neo4j-store';
export * as graphQueries from './graph-queries';
