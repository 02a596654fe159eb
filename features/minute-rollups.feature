# In memory only for now: the stack's pipeline has no temperature_minute writer yet.
@in-memory
Feature: Per-minute rollups
  Each device's readings of a minute are summed up once the minute is over: how many readings,
  the lowest, the highest and the mean temperature in °F, stored as one row of table
  temperature_minute. A reading counts in the minute of its reading time.

  Scenario: A minute's rollup matches its readings
    When device "oven-7" reports 70°F at 2026-03-01 10:00:05
    And device "oven-7" reports 74°F at 2026-03-01 10:00:30
    And device "oven-7" reports 21°C at 2026-03-01 10:00:59
    And 2 minutes pass without a reading
    Then the rollup of device "oven-7" for the minute from 2026-03-01 10:00:00 holds 3 readings from 69.8°F to 74°F, mean 71.27°F
    And device "oven-7" has 1 rollup

  Scenario: Readings of two minutes give two rollups
    When device "oven-7" reports 70°F at 2026-03-01 10:00:10
    And device "oven-7" reports 80°F at 2026-03-01 10:01:10
    And device "oven-7" reports 90°F at 2026-03-01 10:01:50
    And 2 minutes pass without a reading
    Then the rollup of device "oven-7" for the minute from 2026-03-01 10:00:00 holds 1 reading from 70°F to 70°F, mean 70°F
    And the rollup of device "oven-7" for the minute from 2026-03-01 10:01:00 holds 2 readings from 80°F to 90°F, mean 85°F

  Scenario: A minute still going has no rollup yet
    When device "oven-7" reports 70°F at 2026-03-01 10:00:10
    Then device "oven-7" has 0 rollups
