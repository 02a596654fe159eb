Feature: Every valid reading is stored exactly once
  Each valid reading becomes one row in the temperature table. A device's reading at a
  given moment is stored once, even when the network delivers it twice. A different reading for a
  moment already stored is a conflict: the first one stays, the other is dead-lettered.

  Scenario: A valid reading is stored
    When device "oven-7" reports 70°F
    Then the reading is stored
    And nothing is in the dead-letter queue

  Scenario: A reading delivered twice is stored once
    When device "oven-7" reports 70°F at 2026-03-01 10:00:00
    And the same reading is delivered again
    Then the table holds 1 reading from device "oven-7"

  Scenario: Another temperature for the same device and moment is a conflict, not a redelivery
    When device "oven-7" reports 70°F at 2026-03-01 10:00:00
    And device "oven-7" reports 71°F at 2026-03-01 10:00:00
    Then the table holds 1 reading from device "oven-7"
    And the reading is in the dead-letter queue because it broke the rule "conflicting-duplicate"

  Scenario: Readings of one device at different moments are all stored
    When device "oven-7" reports 70°F at 2026-03-01 10:00:00
    And device "oven-7" reports 71°F at 2026-03-01 10:01:00
    Then the table holds 2 readings from device "oven-7"
