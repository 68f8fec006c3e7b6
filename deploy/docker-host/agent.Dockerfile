# The reference agent image plus the docker CLI and its compose plugin, which the docker-compose executor runs
# (`docker compose -f … up -d --wait …`, `docker compose ps`) and the watchtower executor uses (`docker inspect`).
# The reference image (reference/agent-node/Dockerfile) has no docker CLI. Build (where the registry does not
# publish registry.wrktalk.com/wrktalk-agent-docker): docker compose build agent
FROM registry.wrktalk.com/wrktalk-agent:0.1.0
USER root
RUN apk add --no-cache docker-cli docker-cli-compose
USER 10001:10001
