Feature: Unreadable messages do not stop the pipeline
  A message that is not a temperature reading at all goes to the dead-letter queue as
  it arrived, and the readings after it are handled as usual.

  Scenario: Bytes that are not a reading are set aside and the next reading goes on
    When a message arrives whose bytes are not a temperature reading
    And device "oven-7" reports 70°F
    Then the message is in the dead-letter queue because it could not be decoded
    And the reading is stored
