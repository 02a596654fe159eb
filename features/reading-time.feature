Feature: A reading's time must be believable
  Devices stamp each reading with the time it was taken. A device whose script sends seconds where
  milliseconds are expected (a common mistake) would have its readings filed in January 1970; such
  a reading is set aside with the rule it broke instead. A device that writes its time as a date and
  time with a time zone, as many do, is understood.

  Scenario: A reading stamped in seconds instead of milliseconds is rejected, not filed in 1970
    When device "pi-kitchen" reports 70°F with its time in seconds instead of milliseconds
    Then the reading is in the dead-letter queue because it broke the rule "reading-time-plausible"
    And the reading is not stored

  @in-memory
  Scenario: A JSON reading whose time is written as an ISO-8601 date and time is stored
    When device "pi-garage" sends 70°F as JSON, timed "2026-03-01T09:00:00+01:00"
    Then the table holds 1 reading from device "pi-garage", taken at "2026-03-01T08:00:00Z"
    And nothing is in the dead-letter queue
