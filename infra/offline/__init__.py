"""The Pulumi program run offline: Pulumi's public mocks (`mock_run`), the stand-in AWS answers they
give (`mock_aws`) and `make plan` (`plan`). Used by the infra tests and `make plan`; never deployed."""
