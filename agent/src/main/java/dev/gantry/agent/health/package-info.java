/** Health checks of running tasks: the pass/fail state machine per check, http, tcp and exec probes, and the monitor that runs them while a task runs. */
package dev.gantry.agent.health;
