// Placeholder replaced by the SDK facade (issue 8).
export {};
