/** What the server reports as itself (OIP server metadata). Kept in step with package.json by test/server. */
export const SERVER_NAME = '@trademaster/mlops';
export const SERVER_VERSION = '0.1.0';
