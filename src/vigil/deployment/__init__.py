"""GitOps promotion: pin an image digest in a deploy/ overlay and propose it as a pull request.

``image_pin`` edits the overlay's ``kustomization.yaml`` (one idea: which image runs);
``promotion`` turns that edit into a branch, a commit and a pull request. Argo CD
(deploy/argocd/) applies whatever is merged, so a rollback is ``git revert`` of the
promotion commit.
"""
