"""The local stack: the whole product on one machine, on an AWS emulator (moto), with no AWS account."""
