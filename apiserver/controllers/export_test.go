package controllers

// ComputeHash lets the integration tests check replica set names against upstream's hash.
var ComputeHash = computeHash
