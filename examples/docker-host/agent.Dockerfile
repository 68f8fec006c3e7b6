# The reference agent image plus the docker CLI and compose plugin, which the docker-compose executor runs.
# Build the reference image first (from the repository root): docker build -f reference/agent-node/Dockerfile -t wrktalk-agent:dev .
FROM wrktalk-agent:dev
USER root
RUN apk add --no-cache docker-cli docker-cli-compose
USER 10001:10001
