/**
 * Job specs: parsing the YAML an operator writes into a {@link dev.gantry.api.v1.Job}, the
 * defaults the scheduler fills in, and validation of a received job with every problem
 * reported by its field path. Pure functions, no I/O.
 */
package dev.gantry.api.spec;
