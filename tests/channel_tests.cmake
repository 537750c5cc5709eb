# The channel processor and the card reader (models/hw/channel_processor.*, card_reader.*).
iosim_add_test(channel_test channel_test.cpp)
