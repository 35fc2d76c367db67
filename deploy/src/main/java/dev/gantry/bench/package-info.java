/** Benchmark programs (not tests): run them from deploy/bench/ and compare with the baselines they measure in the same run. */
package dev.gantry.bench;
