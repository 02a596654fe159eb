Feature: Impossible readings are set aside
  A sensor cannot measure below 32°F or above 132°F. A reading outside that range is a
  fault, not a temperature: it goes to the dead-letter queue with the name of the rule
  it broke, "legal-range", so someone can look at the device. It is not stored and
  sends no alert.

  Background:
    Given the alert limits are MIN_TEMP 40°F and MAX_TEMP 120°F

  Scenario: A reading above the legal range is rejected
    When device "oven-7" reports 140°F
    Then the reading is in the dead-letter queue because it broke the rule "legal-range"
    And the reading is not stored
    And no TempRangeAlert is sent

  Scenario: A reading below the legal range is rejected
    When device "freezer-2" reports 20°F
    Then the reading is in the dead-letter queue because it broke the rule "legal-range"
    And the reading is not stored
    And no TempRangeAlert is sent

  Scenario: A reading that is not a number is rejected
    When device "probe-1" reports a temperature that is not a number
    Then the reading is in the dead-letter queue because it broke the rule "legal-range"
    And the reading is not stored
    And no TempRangeAlert is sent

  Scenario Outline: The ends of the legal range are legal
    When device "probe-1" reports <temperature>
    Then the reading is <fate>

    Examples:
      | temperature | fate                               |
      | 32°F        | stored                             |
      | 132°F       | stored                             |
      | 31.9°F      | rejected by the rule "legal-range" |
      | 132.1°F     | rejected by the rule "legal-range" |
